"""Endorsement pages: transport only (forms in, services and selectors do the work)."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from accounts.rules import is_administrator
from accounts.spreadsheets import spreadsheet_cell
from collaboratives.models import Cohort, Membership, Role
from endorsement import selectors, services
from endorsement.forms import (
    ContactForm,
    CredentialForm,
    DecideForm,
    DisputeForm,
    DocumentsForm,
    GoalForm,
    ProviderFilterForm,
    RscEntryForm,
    SharingForm,
    TrainingEntryForm,
)
from endorsement.models import Credential, RscEntry
from endorsement.overview import document_items, member_overview, weakest_areas
from endorsement.suggestions import suggestions_for


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _status(form) -> int:
    return 400 if form.errors else 200


# --- the member's own pages ----------------------------------------------------------------------


@login_required
def progress_page(request):
    member = request.user
    overview = member_overview(member=member)
    items = [(key, label) for key, label, _ in overview.documents]
    documents_form = DocumentsForm(
        items=items, initial={"documents": [k for k, _, done in overview.documents if done]}
    )
    context = {
        "overview": overview,
        "goal_form": GoalForm(member=member),
        "documents_form": documents_form,
        "training_entries": selectors.training_entries_of(member),
        "rsc_entries": selectors.rsc_entries_of(member),
        "skipped": selectors.skipped_credits_of(member),
        "suggestions": suggestions_for(user=member, areas=weakest_areas(overview))
        if overview.has_goal
        else None,
    }
    return render(request, "endorsement/progress.html", context)


@login_required
@require_POST
def goal_update(request):
    form = GoalForm(request.POST, member=request.user)
    if form.is_valid():
        category, renewal = form.cleaned_data["goal"]
        try:
            services.goal_set(member=request.user, category=category, is_renewal=renewal)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Your goal is saved.")
            return redirect("endorsement:progress")
    return render(request, "endorsement/goal_form.html", {"form": form}, status=400)


@login_required
@require_POST
def documents_update(request):
    overview = member_overview(member=request.user)
    category = overview.category
    items = document_items(category, overview.requirement) if category else []
    form = DocumentsForm(request.POST, items=items)
    if form.is_valid():
        services.documents_set(
            member=request.user,
            keys=form.cleaned_data["documents"],
            allowed=[key for key, _ in items],
        )
        messages.success(request, "Your checklist is saved.")
        return redirect("endorsement:progress")
    messages.error(request, "That checklist item is not part of your goal; nothing changed.")
    return redirect("endorsement:progress")


@login_required
def training_create(request):
    if request.method == "POST":
        form = TrainingEntryForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_entry_create(
                    member=request.user,
                    title=data["title"],
                    provider=data["provider"],
                    date=data["date"],
                    hours=data["hours"],
                    format=data["format"],
                    competencies=data["competencies"],
                    areas=data["areas"],
                    about_providing_rsc=data["about_providing_rsc"],
                    certificate=data["certificate"],
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "The training is in your log.")
                return redirect("endorsement:progress")
    else:
        form = TrainingEntryForm()
    return render(request, "endorsement/training_form.html", {"form": form}, status=_status(form))


@login_required
def rsc_create(request):
    if request.method == "POST":
        form = RscEntryForm(request.POST, member=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rsc_entry_create(
                    member=request.user,
                    provider=data["provider"],
                    provider_name=data["provider_name"],
                    provider_endorsement_id=data["provider_endorsement_id"],
                    format=data["format"],
                    group_size=data["group_size"],
                    date=data["date"],
                    hours=data["hours"],
                    age_group=data["age_group"],
                    about_rsc_provided=data["about_rsc_provided"],
                    peer_group=data["peer_group"],
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "The supervision is in your log.")
                return redirect("endorsement:progress")
    else:
        initial = {}
        if request.GET.get("provider", "").isdigit():
            initial["provider"] = int(request.GET["provider"])
        form = RscEntryForm(member=request.user, initial=initial)
    return render(request, "endorsement/rsc_form.html", {"form": form}, status=_status(form))


@login_required
@require_POST
def entry_delete(request, kind: str, pk: int):
    entry = selectors.entry_for_owner(user=request.user, kind=kind, pk=pk)
    try:
        services.entry_delete(actor=request.user, entry=entry)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The entry is deleted.")
    return redirect("endorsement:progress")


@login_required
def entry_dispute(request, kind: str, pk: int):
    entry = selectors.entry_for_owner(user=request.user, kind=kind, pk=pk)
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                services.entry_dispute(
                    actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "The session's facilitators were told.")
                return redirect("endorsement:progress")
    else:
        form = DisputeForm()
    return render(
        request,
        "endorsement/dispute_form.html",
        {"form": form, "entry": entry},
        status=_status(form),
    )


@login_required
def certificate(request, pk: int):
    entry = selectors.training_entry_for_certificate(user=request.user, pk=pk)
    response = FileResponse(
        entry.certificate.open("rb"),
        content_type=entry.certificate_content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"certificate-{entry.pk}{_extension(entry.certificate_content_type)}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        content_type, ""
    )


# --- providers -----------------------------------------------------------------------------------


@login_required
def provider_queue(request):
    entries = selectors.provider_queue(provider=request.user)
    decided = selectors.provider_entries(provider=request.user).exclude(
        status=RscEntry.Status.PENDING
    )[:50]
    for entry in entries:
        selectors.audit_read(viewer=request.user, member=entry.member, what=f"rsc {entry.pk}")
    return render(
        request,
        "endorsement/provider_queue.html",
        {"entries": entries, "decided": decided, "form": DecideForm()},
    )


@login_required
@require_POST
def provider_decide(request, pk: int):
    entry = selectors.rsc_entry_for_provider(provider=request.user, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.rsc_entry_decide(
                actor=request.user,
                entry=entry,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Thank you: the member was told.")
    else:
        messages.error(request, "Choose confirm or decline; nothing changed.")
    return redirect("endorsement:provider_queue")


# --- export --------------------------------------------------------------------------------------

CSV_HEADER = [
    "Section",
    "Date",
    "Title or format",
    "Provider",
    "Provider endorsement ID",
    "Format",
    "Group size",
    "Clock hours",
    "Areas of Expertise / competencies",
    "Age group served",
    "About RSC I provide",
    "Source",
    "Status",
]


def _portfolio(member):
    training = list(selectors.training_entries_of(member).order_by("date", "id"))
    rsc = list(selectors.rsc_entries_of(member).order_by("date", "id"))
    return training, rsc


def _areas_text(entry) -> str:
    names = [a.name for a in entry.areas.all()] + [c.name for c in entry.competencies.all()]
    return "; ".join(dict.fromkeys(names))


@login_required
def portfolio_csv(request):
    training, rsc = _portfolio(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="endorsement-portfolio.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for entry in training:
        row = ["Training", entry.date, entry.title, entry.provider, "", entry.get_format_display()]
        row += ["", entry.hours, _areas_text(entry), "", ""]
        row += [entry.get_source_display(), "disputed" if entry.disputed_at else ""]
        writer.writerow([spreadsheet_cell(v) for v in row])
    total_training = sum((e.hours for e in training), Decimal("0"))
    writer.writerow(["Training total", "", "", "", "", "", "", total_training] + [""] * 5)
    for entry in rsc:
        row = [
            "RSC",
            entry.date,
            "Peer supervision" if entry.peer_group else "Reflective supervision/consultation",
            entry.provider_label,
            entry.provider_endorsement_id,
            entry.get_format_display(),
            entry.group_size or "",
            entry.hours,
            "",
            entry.get_age_group_display(),
            "yes" if entry.about_rsc_provided else "no",
            entry.get_source_display(),
            entry.get_status_display(),
        ]
        writer.writerow([spreadsheet_cell(v) for v in row])
    confirmed = sum((e.hours for e in rsc if e.status == RscEntry.Status.CONFIRMED), Decimal("0"))
    pending = sum((e.hours for e in rsc if e.status == RscEntry.Status.PENDING), Decimal("0"))
    writer.writerow(["RSC total confirmed", "", "", "", "", "", "", confirmed] + [""] * 5)
    writer.writerow(["RSC total pending", "", "", "", "", "", "", pending] + [""] * 5)
    return response


@login_required
def portfolio_page(request):
    training, rsc = _portfolio(request.user)
    context = {
        "overview": member_overview(member=request.user),
        "training": training,
        "rsc": rsc,
        "training_total": sum((e.hours for e in training), Decimal("0")),
        "rsc_confirmed": sum(
            (e.hours for e in rsc if e.status == RscEntry.Status.CONFIRMED), Decimal("0")
        ),
        "rsc_pending": sum(
            (e.hours for e in rsc if e.status == RscEntry.Status.PENDING), Decimal("0")
        ),
        "today": timezone.localdate(),
    }
    return render(request, "endorsement/portfolio.html", context)


# --- sharing, credentials ------------------------------------------------------------------------


@login_required
def settings_page(request):
    profile = selectors.profile_for(request.user)
    if request.method == "POST":
        form = SharingForm(request.POST)
        if form.is_valid():
            try:
                services.sharing_update(member=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Your sharing choices are saved.")
                return redirect("endorsement:settings")
    else:
        initial = {name: getattr(profile, name) for name in services.SHARING_FIELDS}
        form = SharingForm(initial=initial)
    context = {
        "form": form,
        "credential_form": CredentialForm(),
        "credentials": selectors.credentials_of(request.user),
        "is_provider": selectors.provider_qualifies(request.user),
    }
    return render(request, "endorsement/settings.html", context, status=_status(form))


@login_required
@require_POST
def credential_add(request):
    form = CredentialForm(request.POST)
    if form.is_valid():
        try:
            services.credential_add(member=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Your endorsement is listed (unverified until staff check).")
            return redirect("endorsement:settings")
    context = {
        "form": SharingForm(
            initial={
                name: getattr(selectors.profile_for(request.user), name)
                for name in services.SHARING_FIELDS
            }
        ),
        "credential_form": form,
        "credentials": selectors.credentials_of(request.user),
        "is_provider": selectors.provider_qualifies(request.user),
    }
    return render(request, "endorsement/settings.html", context, status=400)


@login_required
@require_POST
def credential_request_verification(request, pk: int):
    credential = Credential.objects.filter(pk=pk, member=request.user).first()
    if credential is None:
        raise Http404("No such endorsement.")
    try:
        services.credential_request_verification(member=request.user, credential=credential)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Staff will check your endorsement against the registry.")
    return redirect("endorsement:settings")


# --- facilitators --------------------------------------------------------------------------------


def _cohort_for_facilitator(user, cohort_id: int) -> Cohort:
    cohort = Cohort.objects.select_related("collaborative").filter(pk=cohort_id).first()
    allowed = cohort is not None and (
        is_administrator(user)
        or Membership.objects.filter(
            cohort=cohort, user=user, role=Role.FACILITATOR, left_at__isnull=True
        ).exists()
    )
    if not allowed:
        raise Http404("No such cohort.")
    return cohort


@login_required
def cohort_progress(request, cohort_id: int):
    from endorsement.cohort import cohort_rows, sessions_without_attendance

    cohort = _cohort_for_facilitator(request.user, cohort_id)
    rows = cohort_rows(viewer=request.user, cohort=cohort)
    context = {
        "cohort": cohort,
        "rows": rows,
        "open_sessions": sessions_without_attendance(cohort=cohort),
    }
    return render(request, "endorsement/cohort.html", context)


@login_required
def cohort_list(request):
    memberships = Membership.objects.filter(
        user=request.user, role=Role.FACILITATOR, left_at__isnull=True
    ).select_related("cohort__collaborative")
    return render(request, "endorsement/cohort_list.html", {"memberships": memberships})


# --- directories ---------------------------------------------------------------------------------


def _require_member(user) -> None:
    """The directories are for members: someone in a cohort, or an administrator."""
    active = Membership.objects.filter(user=user, left_at__isnull=True).exists()
    if not (active or is_administrator(user)):
        raise Http404("Members only.")


@login_required
def member_directory(request):
    from endorsement.directory import directory_rows

    _require_member(request.user)
    return render(
        request, "endorsement/directory.html", {"rows": directory_rows(viewer=request.user)}
    )


@login_required
def provider_directory(request):
    from endorsement.directory import provider_rows

    _require_member(request.user)
    form = ProviderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = provider_rows(
        county=filters.get("county") or "",
        format=filters.get("format") or "",
        category=filters.get("category"),
        exclude=request.user,
    )
    return render(
        request,
        "endorsement/providers.html",
        {"form": form, "rows": rows},
        status=_status(form) if form.is_bound else 200,
    )


@login_required
def provider_contact(request, pk: int):
    _require_member(request.user)
    provider = (
        selectors.qualifying_providers()
        .filter(pk=pk, endorsement_profile__provider_listed=True)
        .exclude(pk=request.user.pk)
        .first()
    )
    if provider is None:
        raise Http404("No such provider.")
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.contact_request_send(
                    sender=request.user, provider=provider, message=form.cleaned_data["message"]
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Your message was sent to {provider.name}.")
                return redirect("endorsement:providers")
    else:
        form = ContactForm()
    return render(
        request,
        "endorsement/contact_form.html",
        {"form": form, "provider": provider},
        status=_status(form),
    )


@login_required
def member_ledger(request, member_id: int):
    """A member's ledger as a facilitator or administrator may see it; every read is audited."""
    member = get_user_model().objects.filter(pk=member_id, is_active=True).first()
    level = selectors.access_level(viewer=request.user, member=member) if member else None
    if level is None:
        raise Http404("No such member.")
    if level == "owner":
        return redirect("endorsement:progress")
    selectors.audit_read(viewer=request.user, member=member, what=f"ledger ({level})")
    context = {"member": member, "level": level, "overview": member_overview(member=member)}
    if level in {"details", "admin"}:
        context["training_entries"] = selectors.training_entries_of(member)
        context["rsc_entries"] = selectors.rsc_entries_of(member)
    return render(request, "endorsement/member_ledger.html", context)


@login_required
def training_edit(request, pk: int):
    entry = selectors.entry_for_owner(user=request.user, kind="training", pk=pk)
    if entry.is_automatic:
        raise Http404("Entries from attendance cannot be edited.")
    if request.method == "POST":
        form = TrainingEntryForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.training_entry_update(actor=request.user, entry=entry, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "The training is corrected.")
                return redirect("endorsement:progress")
    else:
        form = TrainingEntryForm(
            initial={
                "title": entry.title,
                "provider": entry.provider,
                "date": entry.date,
                "hours": entry.hours,
                "format": entry.format,
                "areas": list(entry.areas.all()),
                "competencies": list(entry.competencies.all()),
                "about_providing_rsc": entry.about_providing_rsc,
            }
        )
    return render(
        request,
        "endorsement/training_form.html",
        {"form": form, "editing": True},
        status=_status(form),
    )


@login_required
def rsc_edit(request, pk: int):
    entry = selectors.entry_for_owner(user=request.user, kind="rsc", pk=pk)
    if entry.is_automatic:
        raise Http404("Entries from attendance cannot be edited.")
    if request.method == "POST":
        form = RscEntryForm(request.POST, member=request.user)
        if form.is_valid():
            try:
                services.rsc_entry_update(actor=request.user, entry=entry, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "The supervision is corrected.")
                return redirect("endorsement:progress")
    else:
        fields = [
            "provider",
            "provider_name",
            "provider_endorsement_id",
            "format",
            "group_size",
            "date",
            "hours",
            "age_group",
            "about_rsc_provided",
            "peer_group",
        ]
        form = RscEntryForm(
            member=request.user, initial={name: getattr(entry, name) for name in fields}
        )
    return render(
        request, "endorsement/rsc_form.html", {"form": form, "editing": True}, status=_status(form)
    )
