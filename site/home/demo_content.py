"""Text of the demo collaborative: resources, research updates, sessions and forum threads.

Written for the demo; competency references are slugs of the framework's short labels.
"""

# (title, type, age band, members_only, competency slugs, summary)
RESOURCES = [
    (
        "Attachment basics for home visitors",
        "handout",
        "0-36m",
        False,
        ["attachment-separation-trauma-grief-loss", "relationship-focused-practice"],
        "A two-page handout on how secure attachment grows, and what a home visitor can notice "
        "and say during a visit.",
    ),
    (
        "Serve and return: building brain architecture",
        "video",
        "0-36m",
        False,
        ["infant-very-young-child-development-behavior", "observation-listening"],
        "A short video on back-and-forth interactions between babies and caregivers, with "
        "discussion prompts for a team meeting.",
    ),
    (
        "Reflective supervision: a starter toolkit",
        "toolkit",
        "",
        True,
        ["reflective-supervision-consultation", "parallel-process", "self-awareness"],
        "Agendas, opening questions and a log template for programs starting reflective "
        "supervision/consultation.",
    ),
    (
        "Talking with families about separation and loss",
        "article",
        "0-36m",
        True,
        ["attachment-separation-trauma-grief-loss", "responding-with-empathy"],
        "How to open a conversation about a parent's absence, foster care transitions or a death "
        "in the family, with words that keep the child in mind.",
    ),
    (
        "Developmental screening in early intervention",
        "course",
        "0-36m",
        False,
        ["screening-assessment", "infant-very-young-child-development-behavior"],
        "A self-paced course on choosing, giving and discussing developmental screens with "
        "families.",
    ),
    (
        "Observation notes that families can read",
        "handout",
        "",
        False,
        ["observation-listening", "writing"],
        "A one-page guide to writing observations in plain, strengths-based language.",
    ),
    (
        "Cultural humility in infant mental health practice",
        "webinar",
        "",
        False,
        ["cultural-competence", "self-awareness"],
        "Recording of a webinar on bringing curiosity about culture, race and family tradition "
        "into every visit.",
    ),
    (
        "Safety planning with families experiencing violence",
        "toolkit",
        "",
        True,
        ["safety", "crisis-management", "community-resources"],
        "Steps, scripts and a referral map for safety planning when a caregiver discloses "
        "violence at home.",
    ),
    (
        "Perinatal depression: what to notice, how to refer",
        "article",
        "0-36m",
        False,
        ["pregnancy-early-parenthood", "mental-behavioral-disorders-in-adults"],
        "Signs of depression during pregnancy and after birth, and how to connect a parent with "
        "care.",
    ),
    (
        "Pennsylvania early intervention: how referrals work",
        "link",
        "0-36m",
        False,
        ["service-delivery-systems", "community-resources"],
        "A plain guide to the state's early intervention referral path and timelines.",
    ),
    (
        "Co-regulation in the toddler years",
        "handout",
        "3-6y",
        False,
        ["infant-very-young-child-development-behavior", "developmental-guidance"],
        "Ideas for helping toddlers and preschoolers calm with an adult's help before they can "
        "calm on their own.",
    ),
    (
        "Challenging behavior in preschool classrooms",
        "course",
        "3-6y",
        False,
        ["disorders-of-infancy-early-childhood", "developmental-guidance"],
        "A course for child care teachers on seeing behavior as communication.",
    ),
    (
        "Ethics in home visiting: boundaries and gifts",
        "article",
        "",
        True,
        ["ethical-practice", "building-maintaining-relationships"],
        "Case examples about gifts, social media and dual relationships, with the questions to "
        "bring to supervision.",
    ),
    (
        "Parallel process explained",
        "video",
        "",
        False,
        ["parallel-process", "reflective-supervision-consultation"],
        "How the relationship between supervisor and practitioner mirrors the one between "
        "practitioner and parent, and parent and child.",
    ),
    (
        "Grief in early childhood",
        "article",
        "3-6y",
        False,
        ["attachment-separation-trauma-grief-loss", "supportive-counseling"],
        "What grief looks like in young children, and how adults can stay with it.",
    ),
    (
        "Building a referral network in your county",
        "toolkit",
        "",
        False,
        ["community-resources", "collaborating"],
        "A worksheet to map local services and the people to call.",
    ),
    (
        "Trauma-informed child care: first steps",
        "webinar",
        "3-6y",
        True,
        ["attachment-separation-trauma-grief-loss", "relationship-based-therapies-practices"],
        "Recording and slides of a session on predictable routines, transitions and repair.",
    ),
    (
        "Advocating for families in child welfare meetings",
        "article",
        "",
        False,
        ["advocacy", "government-law-regulation"],
        "Preparing families and yourself for team meetings, court reports and case plans.",
    ),
    (
        "Fathers matter: engaging dads in home visiting",
        "article",
        "0-36m",
        False,
        ["family-relationships-dynamics", "building-maintaining-relationships"],
        "Practical ways to invite fathers and father figures into visits.",
    ),
    (
        "Screening for social-emotional development",
        "handout",
        "3-6y",
        False,
        ["screening-assessment", "disorders-of-infancy-early-childhood"],
        "How social-emotional screens differ from developmental ones, and how to share results.",
    ),
    (
        "Self-care is not selfish: preventing burnout",
        "video",
        "",
        False,
        ["self-awareness", "emotional-response", "contemplation"],
        "A talk on secondary traumatic stress and the supports that keep practitioners well.",
    ),
    (
        "Group facilitation for reflective groups",
        "toolkit",
        "",
        True,
        ["group-process", "reflective-supervision-consultation"],
        "Opening rituals, agreements and ways to hold silence in a reflective group.",
    ),
    (
        "Understanding adult learning in workshops",
        "article",
        "",
        False,
        ["adult-learning-theory-practice", "speaking"],
        "What adults need to learn well, and how to plan a training that respects it.",
    ),
    (
        "Documenting a case consultation without identifying details",
        "handout",
        "",
        False,
        ["ethical-practice", "writing", "consulting"],
        "A checklist for de-identifying case material before a consultation.",
    ),
]

# (title, date, authors, members_only, competency slugs, summary, citation, link)
RESEARCH = [
    (
        "Secure attachment and later school readiness",
        "2026-09-14",
        "Research digest team",
        False,
        ["attachment-separation-trauma-grief-loss", "infant-very-young-child-development-behavior"],
        "A review of longitudinal studies finds that secure attachment in the first years goes "
        "with stronger self-regulation at school entry.",
        "Digest of longitudinal cohort studies, 2015-2025.",
        "",
    ),
    (
        "Reflective supervision and staff retention",
        "2026-08-02",
        "Research digest team",
        True,
        ["reflective-supervision-consultation", "supporting-others"],
        "Programs that offer regular reflective supervision report lower turnover among home "
        "visitors.",
        "Program evaluation summaries.",
        "",
    ),
    (
        "Home visiting outcomes in rural counties",
        "2026-06-20",
        "Research digest team",
        False,
        ["service-delivery-systems", "community-resources"],
        "Rural families benefit from home visiting as much as urban ones when visits are regular.",
        "State evaluation reports.",
        "",
    ),
    (
        "Perinatal mood screening in pediatric visits",
        "2026-05-11",
        "Research digest team",
        False,
        ["pregnancy-early-parenthood", "screening-assessment"],
        "Screening parents for depression at well-child visits finds many who were never asked "
        "before.",
        "Clinical practice studies.",
        "",
    ),
    (
        "Early childhood mental health consultation in child care",
        "2026-03-30",
        "Research digest team",
        False,
        ["consulting", "disorders-of-infancy-early-childhood"],
        "Consultation to child care programs is linked to fewer expulsions of young children.",
        "Randomized and quasi-experimental studies.",
        "",
    ),
    (
        "Father involvement and toddler language",
        "2026-02-15",
        "Research digest team",
        True,
        ["family-relationships-dynamics", "infant-very-young-child-development-behavior"],
        "Toddlers whose fathers read and talk with them daily show larger vocabularies.",
        "Cohort study summaries.",
        "",
    ),
    (
        "Video feedback interventions for parents",
        "2025-12-01",
        "Research digest team",
        False,
        ["relationship-based-therapies-practices", "observation-listening"],
        "Short video-feedback programs improve parental sensitivity across several trials.",
        "Meta-analysis summary.",
        "",
    ),
    (
        "Trauma, stress and the developing brain",
        "2025-10-19",
        "Research digest team",
        False,
        ["attachment-separation-trauma-grief-loss", "safety"],
        "What recent research says about toxic stress, and about the buffering role of caregivers.",
        "Narrative review.",
        "",
    ),
]

# Audience sectors of each resource (slugs of resources.AudienceSector); absent means every sector.
RESOURCE_SECTORS = {
    "Attachment basics for home visitors": ["home-visiting"],
    "Serve and return: building brain architecture": ["child-care", "home-visiting", "medical"],
    "Reflective supervision: a starter toolkit": ["mental-health", "home-visiting"],
    "Talking with families about separation and loss": ["child-welfare", "home-visiting"],
    "Developmental screening in early intervention": ["early-intervention", "medical"],
    "Observation notes that families can read": ["early-intervention", "home-visiting"],
    "Cultural humility in infant mental health practice": [],
    "Safety planning with families experiencing violence": ["home-visiting", "child-welfare"],
    "Perinatal depression: what to notice, how to refer": ["medical", "home-visiting"],
    "Pennsylvania early intervention: how referrals work": ["early-intervention", "medical"],
    "Co-regulation in the toddler years": ["child-care"],
    "Challenging behavior in preschool classrooms": ["child-care", "mental-health"],
    "Ethics in home visiting: boundaries and gifts": ["home-visiting"],
    "Parallel process explained": ["mental-health"],
    "Grief in early childhood": ["child-care", "mental-health", "child-welfare"],
    "Building a referral network in your county": ["early-intervention", "child-welfare", "other"],
    "Trauma-informed child care: first steps": ["child-care"],
    "Advocating for families in child welfare meetings": ["child-welfare"],
    "Fathers matter: engaging dads in home visiting": ["home-visiting"],
    "Screening for social-emotional development": ["early-intervention", "child-care", "medical"],
    "Self-care is not selfish: preventing burnout": [],
    "Group facilitation for reflective groups": ["mental-health"],
    "Understanding adult learning in workshops": ["other"],
    "Documenting a case consultation without identifying details": ["mental-health", "other"],
}

# Demo documents: (title, file name, text, members_only resource it belongs to or None, resource)
DOCUMENTS = [
    (
        "Attachment basics handout",
        "attachment-basics-handout.txt",
        "Attachment basics for home visitors\n\nSecure attachment grows when a caregiver "
        "notices, makes sense of and responds to a baby's signals, again and again.\n",
        "Attachment basics for home visitors",
    ),
    (
        "Reflective supervision log template",
        "reflective-supervision-log-template.txt",
        "Reflective supervision/consultation log\n\nDate | Duration | Themes | "
        "What I will carry into my next visit\n",
        "Reflective supervision: a starter toolkit",
    ),
]

# IMH content pages under the "About infant mental health" index: (title, slug, members_only,
# competency slugs, keywords, summary, body). The body is StreamField data; a "document" block's
# value names a demo document by title and is resolved when the page is made.
CONTENT_PAGES = [
    (
        "What is infant and early childhood mental health?",
        "what-is-iecmh",
        False,
        ["infant-very-young-child-development-behavior", "relationship-focused-practice"],
        ["introduction", "relationships"],
        "Infant and early childhood mental health is how young children grow in relationships: "
        "forming close bonds, feeling and managing emotions, and exploring the world.",
        [
            ("heading", {"text": "Relationships come first", "level": "h2"}),
            (
                "paragraph",
                "<p>From before birth to age five, children learn who they are through the people "
                "who care for them. A baby who is comforted when upset learns that feelings can be "
                "shared and survived. That is the heart of <b>infant and early childhood mental "
                "health</b> (IECMH).</p>",
            ),
            (
                "quote",
                {
                    "quote": "There is no such thing as a baby; there is a baby and someone.",
                    "attribution": "After D. W. Winnicott",
                },
            ),
            ("heading", {"text": "What professionals do", "level": "h2"}),
            (
                "paragraph",
                "<ul><li>Promote: support every family's relationships.</li><li>Prevent: notice "
                "early signs of stress and respond.</li><li>Intervene: offer or refer to "
                "relationship-based treatment when needed.</li></ul>",
            ),
            (
                "callout",
                {
                    "tone": "note",
                    "heading": "Try this on your next visit",
                    "text": "<p>Describe out loud what you see the baby doing, and wonder with the "
                    "parent what the baby might be feeling.</p>",
                },
            ),
            ("heading", {"text": "Read more", "level": "h3"}),
            ("document", {"document": "Attachment basics handout", "label": ""}),
        ],
    ),
    (
        "The endorsement journey: IMH-E and ECMH-E",
        "endorsement-journey",
        False,
        ["reflective-supervision-consultation", "self-awareness"],
        ["endorsement"],
        "Endorsement recognizes the competencies, training and reflective supervision of people "
        "who work with young children and families. Here is how the journey usually goes.",
        [
            (
                "paragraph",
                "<p>The Infant Mental Health Endorsement (IMH-E) covers work with children from "
                "pregnancy to 36 months; the Early Childhood Mental Health Endorsement (ECMH-E) "
                "covers ages three to six.</p>",
            ),
            ("heading", {"text": "Three things add up", "level": "h2"}),
            (
                "paragraph",
                "<ol><li>Competencies, grouped into Areas of Expertise.</li><li>Training hours "
                "that build those competencies.</li><li>Reflective supervision/consultation "
                "hours, for the categories that require them.</li></ol>",
            ),
            (
                "callout",
                {
                    "tone": "warning",
                    "heading": "Check the current requirements",
                    "text": "<p>Requirements differ by category and change over time; your "
                    "association's published rules are the ones that count.</p>",
                },
            ),
        ],
    ),
    (
        "Reflective practice in the cohort",
        "reflective-practice-in-the-cohort",
        True,
        ["reflective-supervision-consultation", "parallel-process"],
        ["cohort", "reflective practice"],
        "How reflective groups work in the learning collaborative, and the log members keep "
        "between sessions.",
        [
            (
                "paragraph",
                "<p>Each month the cohort meets in small reflective groups. A member brings a "
                "moment from their work, de-identified, and the group wonders about it together "
                "without rushing to advice.</p>",
            ),
            ("document", {"document": "Reflective supervision log template", "label": ""}),
        ],
    ),
]
