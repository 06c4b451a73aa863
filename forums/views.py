"""Forum pages: transport only. Reads through selectors, writes through services.

Every view looks its object up through a selector that applies the access rules, so a board,
topic or post the viewer may not read is the same 404 as one that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import AccessDenied, DomainError
from forums import digest, selectors, services
from forums.forms import (
    BoardForm,
    CaseConsultationForm,
    DigestForm,
    EditForm,
    MoveForm,
    ReplyForm,
    ReportForm,
    TopicForm,
)
from forums.identification import identification_findings, identification_kinds
from forums.models import DigestPreference, Post, Topic

TOPIC_ACTIONS = ("pin", "unpin", "lock", "unlock", "hide", "restore")


def _sessions_for(user):
    # events sits on the same floor as forums: its selector is imported here, lazily, and only
    # to offer the sessions the author may see (the one place forums reads events).
    from events.selectors import sessions_visible_to

    return sessions_visible_to(user=user).order_by("-starts_at")


def _resources_for(user):
    from resources.selectors import resources_visible_to

    return resources_visible_to(user=user).order_by("title")


def _form_error(form, error: DomainError) -> None:
    # A hidden field's error would never be seen: those go on the form as a whole.
    known = error.field in form.fields and not form.fields[error.field].widget.is_hidden
    field = error.field if known else None
    form.add_error(field, error.message)


# --- boards ---------------------------------------------------------------------------------
@login_required
@require_GET
def board_list(request):
    boards = selectors.boards_readable_by(user=request.user)
    return render(
        request,
        "forums/board_list.html",
        {"boards": boards, "may_create": request.user.has_perm("forums.create_board")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_create(request):
    if not request.user.has_perm("forums.create_board"):
        raise Http404("No such page.")
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            board = services.board_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Board created.")
            return redirect(board)
    return render(request, "forums/board_form.html", {"form": form}, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@login_required
@require_GET
def board_detail(request, slug):
    board = selectors.board_for(user=request.user, slug=slug)
    topics = selectors.topic_list(user=request.user, board=board)
    page = Paginator(topics, selectors.TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "board": board,
        "page": page,
        "may_moderate": request.user.has_perm("forums.moderate_board", board),
        "level": selectors.subscription_level(user=request.user, board=board),
    }
    if request.htmx:
        # "Load more": only the next rows and the next button.
        return render(request, "forums/_topic_rows.html", context)
    return render(request, "forums/board_detail.html", context)


@login_required
@require_POST
def board_follow(request, slug):
    board = selectors.board_for(user=request.user, slug=slug)
    try:
        level = services.subscription_set(
            actor=request.user, board=board, level=request.POST.get("level", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _level_message(level, "board"))
    return redirect(board)


def _level_message(level: str, what: str) -> str:
    if level == "follow":
        return f"You follow this {what}."
    if level == "mute":
        return f"You muted this {what}."
    return f"You no longer follow or mute this {what}."


# --- topics ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request, slug):
    board = selectors.board_for(user=request.user, slug=slug)
    kind = request.POST.get("kind") or request.GET.get("kind") or Topic.Kind.DISCUSSION
    if kind not in Topic.Kind.values:
        kind = Topic.Kind.DISCUSSION
    form_class = CaseConsultationForm if kind == Topic.Kind.CASE_CONSULTATION else TopicForm
    form = form_class(
        request.POST or None,
        sessions=_sessions_for(request.user),
        resources=_resources_for(request.user),
    )
    findings = []
    warned = request.POST.get("identification_warned") == "1"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if kind == Topic.Kind.CASE_CONSULTATION:
            body = services.case_consultation_body(
                summary=data["summary"],
                question=data["question"],
                recommendations=data["recommendations"],
            )
            if not data["summary"].strip() or not data["question"].strip():
                form.add_error(
                    "summary" if not data["summary"].strip() else "question",
                    "A case consultation needs a case summary and a question.",
                )
        else:
            body = data["body"]
        choice = request.POST.get("identification")
        if not form.errors and kind == Topic.Kind.CASE_CONSULTATION:
            findings = identification_findings(f"{data['title']}\n{body}")
            if findings and choice != "confirm":
                services.identification_warning_record(
                    actor=request.user, board=board, kinds=identification_kinds(findings)
                )
        if not form.errors and not (findings and choice != "confirm"):
            outcome = ""
            if kind == Topic.Kind.CASE_CONSULTATION and (warned or findings):
                outcome = "confirmed" if findings else "edited"
            try:
                topic = services.topic_create(
                    actor=request.user,
                    board=board,
                    title=data["title"],
                    body=body,
                    kind=kind,
                    competencies=data["competencies"],
                    session=data["session"],
                    resource=data["resource"],
                    identification=outcome,
                )
            except AccessDenied as error:
                raise Http404(error.message) from error
            except DomainError as error:
                field = error.field
                if kind == Topic.Kind.CASE_CONSULTATION and field == "body":
                    field = "summary"
                form.add_error(field if field in form.fields else None, error.message)
            else:
                messages.success(request, "Topic posted.")
                return redirect(topic)
    context = {
        "board": board,
        "form": form,
        "kind": kind,
        "findings": findings,
        "warned": warned or bool(findings),
    }
    status = 400 if (form.is_bound and form.errors) else 200
    return render(request, "forums/topic_form.html", context, status=status)


def _topic_context(request, topic, page_number, reply_form=None):
    user = request.user
    moderator = user.has_perm("forums.moderate_board", topic.board)
    posts = selectors.posts_of(topic=topic)
    paginator = Paginator(posts, selectors.POSTS_PER_PAGE)
    page = paginator.get_page(page_number)
    last_read = selectors.last_read(user=user, topic=topic)
    first_unread = selectors.first_unread_post_id(user=user, topic=topic)
    visible_ids = [post.pk for post in page.object_list]
    if visible_ids:
        services.read_mark(user=user, topic=topic, post_id=max(visible_ids))
    session = None
    if topic.session_id and _sessions_for(user).filter(pk=topic.session_id).exists():
        session = topic.session
    resource = None
    if topic.resource_id:
        resource = _resources_for(user).filter(pk=topic.resource_id).first()
    if reply_form is None:
        reply_form = ReplyForm(initial=_reply_initial(request, topic))
    return {
        "topic": topic,
        "board": topic.board,
        "page": page,
        "posts": page.object_list,
        "last_read": last_read,
        "first_unread": first_unread,
        "moderator": moderator,
        "may_answer": user.has_perm("forums.mark_answered", topic),
        "level": selectors.subscription_level(user=user, topic=topic),
        "reply_form": reply_form,
        "competencies": topic.competencies.all(),
        "session": session,
        "resource": resource,
        "last_post_id": topic.posts.aggregate(top=Max("id"))["top"] or 0,
    }


def _reply_initial(request, topic) -> dict:
    """Replying to a post starts with a quote of it."""
    try:
        reply_to = int(request.GET.get("reply_to", ""))
    except ValueError:
        return {}
    post = topic.posts.filter(pk=reply_to, is_hidden=False).select_related("author").first()
    if post is None:
        return {}
    quoted = "\n".join(f"> {line}" for line in post.body.splitlines()[:12])
    return {"reply_to": post.pk, "body": f"> **{post.author.name}** wrote:\n{quoted}\n\n"}


@login_required
@require_GET
def topic_detail(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    context = _topic_context(request, topic, request.GET.get("page"))
    return render(request, "forums/topic_detail.html", context)


@login_required
@require_GET
def topic_unread(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    first = selectors.first_unread_post_id(user=request.user, topic=topic)
    if first is None:
        last = topic.posts.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return redirect(topic)
        first = last
    return redirect(_post_address(topic, first))


def _post_address(topic, post_id: int) -> str:
    page = selectors.page_of_post(topic=topic, post_id=post_id)
    return f"{reverse('forums:topic', args=[topic.pk])}?page={page}#post-{post_id}"


@login_required
@require_GET
def post_permalink(request, post_id):
    post = selectors.post_for(user=request.user, post_id=post_id)
    return redirect(_post_address(post.topic, post.pk))


@login_required
@require_POST
def topic_reply(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        reply_to = None
        if form.cleaned_data["reply_to"]:
            # Any post: the service refuses one of another topic with a message.
            reply_to = Post.objects.filter(pk=form.cleaned_data["reply_to"]).first()
        try:
            post = services.post_create(
                actor=request.user, topic=topic, body=form.cleaned_data["body"], reply_to=reply_to
            )
        except AccessDenied as error:
            raise Http404(error.message) from error
        except DomainError as error:
            _form_error(form, error)
        else:
            if request.htmx:
                context = _topic_context(request, topic, None, reply_form=ReplyForm())
                context["posts"] = [post]
                return render(request, "forums/_reply_created.html", context)
            messages.success(request, "Reply posted.")
            return redirect(_post_address(topic, post.pk))
    if request.htmx:
        # htmx swaps only 2xx answers: the form with its errors replaces the form in place.
        response = render(
            request,
            "forums/_reply_form.html",
            {"topic": topic, "reply_form": form, "htmx_reply": True},
        )
        response["HX-Retarget"] = "#reply-form-wrap"
        response["HX-Reswap"] = "outerHTML"
        return response
    page = selectors.page_of_post(topic=topic, post_id=2**62)
    context = _topic_context(request, topic, page, reply_form=form)
    return render(request, "forums/topic_detail.html", context, status=400)


@login_required
@require_GET
def topic_posts_after(request, topic_id):
    """The posts after `after` (live updates fetch them here, through the access rules)."""
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    posts = list(selectors.posts_of(topic=topic).filter(id__gt=after)[:50])
    if posts:
        services.read_mark(user=request.user, topic=topic, post_id=posts[-1].pk)
    context = {
        "topic": topic,
        "page": None,
        "posts": posts,
        "moderator": request.user.has_perm("forums.moderate_board", topic.board),
        "may_answer": request.user.has_perm("forums.mark_answered", topic),
        "last_read": after,
    }
    return render(request, "forums/_posts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = selectors.post_for(user=request.user, post_id=post_id)
    if not request.user.has_perm("forums.edit_post", post):
        raise Http404("No such post.")
    form = EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
        except DomainError as error:
            _form_error(form, error)
        else:
            if request.htmx:
                return render(request, "forums/_posts.html", _single_post_context(request, post))
            messages.success(request, "Post updated.")
            return redirect(_post_address(post.topic, post.pk))
    if request.htmx:  # htmx swaps only 2xx answers
        return render(request, "forums/_edit_form.html", {"post": post, "form": form})
    return render(
        request, "forums/post_edit.html", {"post": post, "form": form}, status=_status(form)
    )


def _single_post_context(request, post):
    return {
        "topic": post.topic,
        "page": None,
        "posts": [post],
        "moderator": request.user.has_perm("forums.moderate_board", post.topic.board),
        "may_answer": request.user.has_perm("forums.mark_answered", post.topic),
        "last_read": post.pk,
    }


@login_required
@require_GET
def post_history(request, post_id):
    post = selectors.post_for(user=request.user, post_id=post_id)
    if not request.user.has_perm("forums.edit_post", post):
        raise Http404("No such post.")
    return render(
        request,
        "forums/post_history.html",
        {"post": post, "revisions": post.revisions.select_related("edited_by")},
    )


@login_required
@require_POST
def topic_answer(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    if not request.user.has_perm("forums.mark_answered", topic):
        raise Http404("No such topic.")
    post = None
    if request.POST.get("post"):
        post = topic.posts.filter(pk=_int(request.POST.get("post"))).first()
        if post is None:
            messages.error(request, "Choose a visible post of this topic as the answer.")
            return redirect(topic)
    try:
        services.topic_mark_answered(actor=request.user, topic=topic, post=post)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Marked as answered." if post else "No longer answered.")
    return redirect(_post_address(topic, post.pk) if post else topic.get_absolute_url())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def topic_moderate(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    if not request.user.has_perm("forums.moderate_board", topic.board):
        raise Http404("No such topic.")
    action = request.POST.get("action", "")
    try:
        services.topic_moderate(actor=request.user, topic=topic, action=action)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Topic {_done(action)}.")
    return redirect(topic)


def _done(action: str) -> str:
    return {
        "pin": "pinned",
        "unpin": "unpinned",
        "lock": "locked",
        "unlock": "unlocked",
        "hide": "hidden",
        "restore": "restored",
    }.get(action, action)


@login_required
@require_http_methods(["GET", "POST"])
def topic_move(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    if not request.user.has_perm("forums.moderate_board", topic.board):
        raise Http404("No such topic.")
    boards = selectors.boards_moderated_by(user=request.user).exclude(pk=topic.board_id)
    form = MoveForm(request.POST or None, boards=boards)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_move(actor=request.user, topic=topic, board=form.cleaned_data["board"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Topic moved to {form.cleaned_data['board'].name}.")
            return redirect(topic)
    return render(
        request, "forums/topic_move.html", {"topic": topic, "form": form}, status=_status(form)
    )


@login_required
@require_POST
def post_moderate(request, post_id):
    post = selectors.post_for(user=request.user, post_id=post_id)
    if not request.user.has_perm("forums.moderate_board", post.topic.board):
        raise Http404("No such post.")
    action = request.POST.get("action", "")
    try:
        services.post_moderate(actor=request.user, post=post, action=action)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Post {_done(action)}.")
    return redirect(_post_address(post.topic, post.pk))


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request, post_id):
    post = selectors.post_for(user=request.user, post_id=post_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_report(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Thank you. The facilitators will review this post.")
            return redirect(_post_address(post.topic, post.pk))
    return render(
        request, "forums/post_report.html", {"post": post, "form": form}, status=_status(form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_queue(request, slug):
    board = selectors.board_for(user=request.user, slug=slug)
    reports = selectors.reports_for(user=request.user, board=board)
    if request.method == "POST":
        report = get_object_or_404(reports, pk=_int(request.POST.get("report")))
        services.report_resolve(actor=request.user, report=report)
        messages.success(request, "Report marked as reviewed.")
        return redirect("forums:reports", slug=board.slug)
    return render(request, "forums/report_queue.html", {"board": board, "reports": reports})


@login_required
@require_POST
def topic_follow(request, topic_id):
    topic = selectors.topic_for(user=request.user, topic_id=topic_id)
    try:
        level = services.subscription_set(
            actor=request.user, topic=topic, level=request.POST.get("level", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _level_message(level, "topic"))
    return redirect(topic)


# --- digest ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def digest_preferences(request):
    current = DigestPreference.objects.filter(user=request.user).first()
    initial = {"frequency": current.frequency if current else DigestPreference.Frequency.NEVER}
    form = DigestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.digest_preference_set(user=request.user, frequency=form.cleaned_data["frequency"])
        messages.success(request, "Your digest preference is saved.")
        return redirect("forums:preferences")
    return render(request, "forums/preferences.html", {"form": form}, status=_status(form))


@csrf_exempt  # the signed token is the credential, and mail clients' one-click POST has no cookie
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token):
    """One-click unsubscribe from the emailed link: works signed out. GET only asks (mail
    scanners follow links), POST unsubscribes."""
    try:
        user = digest.user_for_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "forums/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        digest.digest_unsubscribe(user=user)
        return render(request, "forums/unsubscribe.html", {"done": True})
    return render(request, "forums/unsubscribe.html", {"token": token})
