"""Generate cjmkit's sample data: ``.venv/bin/python sample_data/generate.py [--out DIR]``.

Acme Cloud sells cloud backup and file sync to small and mid-sized businesses. This script writes
its journey map and a year of raw data (December 2025 to November 2026, exported on 3 December
2026), deterministically from a fixed seed: running it twice gives byte-identical files.

- ``acme.cjm.json``: the map (personas, stages, lanes, touchpoints, handoffs, KPIs with 12 monthly
  observations, feedback).
- ``kpi_daily.csv``: ``date,kpi,touchpoint,value``, long format, one row per day and KPI that has a
  ``source`` in the map. Those KPIs' observations are what cjmkit's own importer makes of these rows
  (monthly means, as ``cjmkit kpi refresh`` computes them), so refreshing the sample map changes
  nothing. A day without data for a KPI (no handoff ticket resolved on a holiday Sunday) has no row.
- ``tickets.csv``: ``ticket_id,customer_id,opened_at,resolved_at,channel,touchpoint``.
- ``care_contacts.csv``: ``contact_id,customer_id,ticket_id,contacted_at,kind``.
- ``survey.csv``: ``response_id,customer_id,ticket_id,submitted_at,touchpoint,stage,persona,csat,nps,ces,comment``.

The story the numbers tell: emotions hit their low point when customers need help; a care
follow-up after a resolved ticket visibly lifts satisfaction; in April 2026 Acme moved phone, chat,
escalation and setup tickets to a real-time hand-over to care, so those follow-ups improve through
the year, while email tickets still reach care through a nightly export and their follow-up stays
weak. CES follows CES 2.0: "Acme made it easy to handle my issue", 1 (strongly disagree) to 7
(strongly agree), so higher is better. Timestamps are UTC, ISO 8601 with ``Z``.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from authoring import standard_lanes, tp, write_journey

from cjmkit.edits import Editor
from cjmkit.metrics import refresh
from cjmkit.metrics.measured import refresh_event_log
from cjmkit.model import (
    EventLog,
    EventSource,
    Feedback,
    Handoff,
    Journey,
    Kpi,
    KpiSource,
    Observation,
    Persona,
    Stage,
    journey_from_dict,
)

SEED = 20261203
HERE = Path(__file__).resolve().parent
FIRST_DAY = date(2025, 12, 1)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range(365)]  # 2025-12-01 … 2026-11-30
MONTHS = [date(2025 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(12)]  # 2025-12 … 2026-11
EXPORTED = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
INCIDENT = (date(2026, 2, 10), date(2026, 2, 13))  # agent 4.2 broke snapshot backups on Windows

N_CUSTOMERS = 1400
N_TICKETS = 5000
N_GENERAL_SURVEYS = 860
STUCK = 0.004  # share of tickets still open at export time (waiting on the customer or a bug fix)


def month_index(day: date) -> int:
    return (day.year - 2025) * 12 + day.month - 12


def progress(month: int) -> float:
    """How far the April 2026 hand-over change has landed: 0 until March, 1 from August."""
    return min(max((month - 3) / 5, 0.0), 1.0)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the map ---------------------------------------------------------------------------------


M, D = "maya", "daniel"

PERSONAS = [
    Persona(
        id=M,
        name="Maya Okafor",
        role="Office and IT manager at a 40-person architecture practice; does IT on the side",
        goals=[
            "Backups she never has to think about",
            "Restore a deleted drawing in minutes, without calling anyone",
            "Stay within a small, predictable budget",
        ],
        needs=[
            "Setup that works without a consultant",
            "Plain-language alerts",
            "Fast help when a restore fails",
        ],
        frustrations=[
            "Jargon-heavy error messages",
            "Waiting days for an email reply while a project deadline looms",
            "Having to explain her setup again to every agent",
        ],
        quote="I'm not an IT person. When something breaks I need someone to walk me through it, today.",
        channels=["email", "chat", "help centre"],
    ),
    Persona(
        id=D,
        name="Daniel Weber",
        role="IT director at a 350-person logistics company in Hamburg; leads a team of six",
        goals=[
            "Prove to auditors that every site is backed up and restorable",
            "Single sign-on, audit logs and EU data residency",
            "Fewer tools for his team to babysit",
        ],
        needs=["Technical depth on the first contact", "A named contact for escalations", "Clear SLAs"],
        frustrations=[
            "Scripted first-line support",
            "Renewal price increases without explanation",
            "Finding out about incidents from his users instead of from the vendor",
        ],
        quote="I don't need hand-holding. I need an engineer on the phone and a status page that tells the truth.",
        channels=["phone", "account manager", "email", "status page"],
    ),
]

STAGES = [
    Stage(
        id="discover",
        name="Discover",
        phase="See",
        goal="Be found by businesses that just had a backup scare",
    ),
    Stage(
        id="evaluate", name="Evaluate", phase="Think", goal="Earn trust: security, price, a painless trial"
    ),
    Stage(id="onboard", name="Onboard", phase="Do", goal="First complete backup within 7 days of signing"),
    Stage(id="use", name="Use", phase="Do", goal="Backups run silently; restores just work"),
    Stage(id="get-help", name="Get help", phase="Care", goal="Problems fixed fast, by someone who owns them"),
    Stage(id="follow-up", name="Follow-up & care", phase="Care", goal="Check the fix held; repair trust"),
    Stage(
        id="renew", name="Renew & advocate", phase="Care", goal="Renew without hesitation and recommend Acme"
    ),
]

LANES = standard_lanes(frontstage="Frontstage / Sales", backstage="Backstage / Systems")

TOUCHPOINTS = [
    # Discover
    tp(
        "d-scare",
        "discover",
        "customer",
        "Has a backup scare",
        "A laptop is stolen, a colleague overwrites a project folder, or ransomware hits a peer company.",
        channel="word of mouth",
        feel={M: -1, D: 0},
    ),
    tp(
        "d-search",
        "discover",
        "customer",
        "Searches for a backup solution",
        "Searches 'cloud backup small business', reads comparison articles and peer forums.",
        channel="search",
        feel={M: 0, D: 0},
        to_be={M: 1},
        pains=[("Comparison sites all look paid for", 3)],
    ),
    tp(
        "d-website",
        "discover",
        "frontstage",
        "Website and pricing page",
        "Product pages, per-device and per-TB pricing, security overview.",
        channel="web",
        owner="Marketing",
        feel={M: 1, D: 0},
        to_be={M: 1, D: 1},
        pains=[("Per-device vs per-TB pricing is confusing", 6), ("Security details hidden in a PDF", 4)],
        opps=[("Pricing calculator for 'my office'", 5), ("Public trust centre page with certifications", 4)],
    ),
    tp(
        "d-lead-scoring",
        "discover",
        "backstage",
        "Lead capture and scoring",
        "Website sign-ups scored in the CRM and routed to sales or self-serve nurture.",
        owner="Marketing ops",
        pains=[("Small offices get routed to enterprise sales and wait a week", 3)],
    ),
    # Evaluate
    tp(
        "e-trial-signup",
        "evaluate",
        "customer",
        "Starts a 14-day trial",
        "Creates an account and installs the agent on one or two test machines.",
        channel="web",
        feel={M: 1, D: 1},
        to_be={M: 2, D: 1},
        opps=[("Trial with a guided 'back up one folder, restore it' exercise", 6)],
    ),
    tp(
        "e-demo",
        "evaluate",
        "frontstage",
        "Sales demo and security Q&A",
        "Account executive demo; questions on encryption, data residency and SSO.",
        channel="video call",
        owner="Sales",
        feel={D: 1},
        personas=[D],
        to_be={D: 2},
        pains=[("Sales cannot answer detailed security questions on the call", 5)],
        opps=[("Bring a solutions engineer to every demo above 100 seats", 3)],
    ),
    tp(
        "e-security-review",
        "evaluate",
        "customer",
        "Completes security questionnaire",
        "Daniel's compliance team sends a 180-question vendor questionnaire.",
        channel="email",
        feel={D: -1},
        personas=[D],
        to_be={D: 1},
        pains=[("Takes Acme two weeks to return the questionnaire", 7)],
        opps=[("Pre-filled standard questionnaire (CAIQ) in the trust centre", 6)],
    ),
    tp(
        "e-trial-nurture",
        "evaluate",
        "backstage",
        "Trial nurture emails",
        "Automated emails during the trial based on agent installs and first backups.",
        owner="Marketing ops",
        pains=[("Emails ignore what the trial user has already done", 4)],
    ),
    # Onboard
    tp(
        "o-contract",
        "onboard",
        "frontstage",
        "Order and contract",
        "Quote, order form and DPA signed; licences assigned.",
        channel="email",
        owner="Sales",
        feel={M: 1, D: 0},
    ),
    tp(
        "o-provisioning",
        "onboard",
        "backstage",
        "Tenant provisioning and SSO",
        "Tenant created in the EU region, SSO connection, licences synced.",
        owner="Platform team",
        pains=[("SSO setup needs a ticket to Acme engineering", 4)],
    ),
    tp(
        "o-install-agent",
        "onboard",
        "customer",
        "Rolls out the backup agent",
        "Installs the agent on laptops and file servers, by hand or via device management.",
        channel="desktop app",
        feel={M: -1, D: 0},
        to_be={M: 1, D: 1},
        pains=[
            ("Agent needs local admin rights on every laptop", 8),
            ("No MSI package for mass deployment", 5),
        ],
        opps=[("Signed MSI and Intune guide", 6)],
    ),
    tp(
        "o-welcome-call",
        "onboard",
        "care",
        "Welcome call with customer care",
        "A care agent introduces themselves, checks the rollout plan and sets up alert recipients.",
        channel="phone",
        owner="Customer care",
        feel={M: 2, D: 1},
        to_be={M: 2, D: 2},
        opps=[("Book the welcome call automatically at order time", 4)],
    ),
    tp(
        "o-setup-ticket",
        "onboard",
        "support",
        "Setup help ticket",
        "Questions about exclusions, bandwidth limits, server backups and SSO during the first weeks.",
        channel="chat",
        owner="Support",
        feel={M: -1, D: -1},
        to_be={M: 1, D: 0},
        pains=[("First answer is a generic help-centre link", 6)],
        opps=[("Onboarding specialists answer tickets from new accounts", 5)],
    ),
    tp(
        "o-onboarding-checkin",
        "onboard",
        "care",
        "Onboarding check-in after setup help",
        "Care checks that setup questions were solved and that the first full backup completed.",
        channel="phone",
        owner="Customer care",
        feel={M: 1, D: 1},
        to_be={M: 2, D: 1},
    ),
    tp(
        "o-first-backup",
        "onboard",
        "customer",
        "First full backup completes",
        "The first full backup finishes and the dashboard turns green.",
        channel="web console",
        feel={M: 1, D: 1},
        to_be={M: 2, D: 2},
        pains=[("First backup takes days on a slow upload line, with no warning", 7)],
        opps=[
            ("Estimate the first-backup time before it starts", 5),
            ("Seed-drive option for large file servers", 2),
        ],
    ),
    # Use
    tp(
        "u-daily-backup",
        "use",
        "customer",
        "Backups run in the background",
        "Daily incremental backups and file sync across the team.",
        channel="desktop app",
        feel={M: 1, D: 1},
    ),
    tp(
        "u-restore",
        "use",
        "customer",
        "Restores a deleted file",
        "Self-service restore of a file or folder from the web console.",
        channel="web console",
        feel={M: 2, D: 1},
        to_be={M: 2, D: 2},
    ),
    tp(
        "u-weekly-report",
        "use",
        "frontstage",
        "Weekly backup report",
        "Email summarising protected devices, failed jobs and storage used.",
        channel="email",
        owner="Product",
        feel={M: 1, D: 1},
        pains=[("Failed jobs buried at the bottom of the report", 5)],
        opps=[("Lead with 'needs your attention' items", 6)],
    ),
    tp(
        "u-admin-console",
        "use",
        "frontstage",
        "Admin console",
        "Device list, policies, audit log and billing.",
        channel="web console",
        owner="Product",
        feel={M: 0, D: 1},
        pains=[("Cluttered for small offices", 4)],
    ),
    tp(
        "u-monitoring",
        "use",
        "backstage",
        "Backup monitoring and alerting",
        "Job telemetry, failure detection and alert emails.",
        owner="Platform team",
        pains=[("Alerts fire only after three failed nights", 5)],
        opps=[("Alert after the first failed night for servers", 6)],
    ),
    # Get help
    tp(
        "h-problem",
        "get-help",
        "customer",
        "Backup fails or a restore is stuck",
        "A job keeps failing, a restore hangs, or files are missing just before a deadline.",
        channel="desktop app",
        feel={M: -2, D: -2},
        to_be={M: -1, D: -1},
        pains=[("Error codes with no explanation", 8)],
        opps=[("Every error links to a fix-it article and 'contact support' with context", 6)],
    ),
    tp(
        "h-help-center",
        "get-help",
        "support",
        "Help centre and web form",
        "Searches articles, then files a ticket through the web form.",
        channel="web",
        owner="Support",
        feel={M: -1, D: -1},
        to_be={M: 0, D: 0},
        pains=[("Articles still describe the old console", 5)],
    ),
    tp(
        "h-chat",
        "get-help",
        "support",
        "Live chat with support",
        "Chat with a tier-1 agent during business hours.",
        channel="chat",
        owner="Support tier 1",
        feel={M: -1, D: 0},
        to_be={M: 1, D: 1},
        pains=[("Chat queue over 15 minutes on Monday mornings", 5)],
        opps=[("Show the queue position and offer a call-back", 4)],
    ),
    tp(
        "h-email-ticket",
        "get-help",
        "support",
        "Email ticket",
        "Emails support@acme.cloud; a ticket is created and answered by the email queue.",
        channel="email",
        owner="Support tier 1",
        feel={M: -2, D: -1},
        to_be={M: 0, D: 0},
        pains=[
            ("First reply often takes a day or more", 9),
            ("Has to repeat the problem when moved to chat", 6),
        ],
        opps=[("Auto-acknowledge with a realistic reply time and the ticket owner's name", 5)],
    ),
    tp(
        "h-phone",
        "get-help",
        "support",
        "Priority phone support",
        "Phone line for Business+ plans, answered by tier-1 with tier-2 on call.",
        channel="phone",
        owner="Support tier 1",
        feel={D: 0},
        personas=[D],
        to_be={D: 1},
        pains=[("Call-backs promised but not always made", 4)],
    ),
    tp(
        "h-escalation",
        "get-help",
        "support",
        "Escalation to tier 2 / engineering",
        "Hard cases (corrupted snapshots, large restores) go to specialists.",
        channel="email",
        owner="Support tier 2",
        feel={M: -2, D: -2},
        to_be={M: -1, D: 0},
        pains=[("No update for days during escalations", 8)],
        opps=[("Daily update promise with a named engineer", 7)],
    ),
    tp(
        "h-resolution",
        "get-help",
        "support",
        "Ticket resolved",
        "Agent confirms the fix with the customer and resolves the ticket.",
        channel="email",
        owner="Support",
        feel={M: 0, D: 0},
        to_be={M: 1, D: 1},
        pains=[("Tickets auto-close before the customer confirms", 6)],
    ),
    tp(
        "h-ticketing",
        "get-help",
        "backstage",
        "Ticketing and routing",
        "Ticket system, skills-based routing, SLA timers.",
        owner="Support operations",
        pains=[("Email and chat tickets are separate queues", 5)],
    ),
    # Follow-up & care
    tp(
        "c-followup-call",
        "follow-up",
        "care",
        "Care follow-up call",
        "A care agent calls within a day of resolution: is the backup green again, anything else?",
        channel="phone",
        owner="Customer care",
        feel={M: 1, D: 1},
        to_be={M: 2, D: 2},
        opps=[("Offer to set up alert recipients during the call", 5)],
    ),
    tp(
        "c-followup-email",
        "follow-up",
        "care",
        "Follow-up email after an email ticket",
        "Care emails a summary and checks the fix held; triggered by the nightly ticket export.",
        channel="email",
        owner="Customer care",
        feel={M: -1, D: 0},
        to_be={M: 1, D: 1},
        pains=[("Arrives days later and reads like a template", 7), ("Care cannot see the ticket thread", 5)],
        opps=[("Real-time hand-over for email tickets, like phone and chat", 8)],
    ),
    tp(
        "c-health-check",
        "follow-up",
        "care",
        "Account health check after an escalation",
        "Care reviews the incident with the customer and agrees preventive steps.",
        channel="video call",
        owner="Customer care",
        feel={M: 1, D: 1},
        to_be={D: 2},
        opps=[("Share a written incident summary for the customer's management", 4)],
    ),
    tp(
        "c-survey",
        "follow-up",
        "customer",
        "Answers the satisfaction survey",
        "CSAT, effort (CES) and NPS, sent after resolution or with the care follow-up.",
        channel="email",
        feel={M: 0, D: 0},
        pains=[("Survey arrives before the care follow-up", 3)],
    ),
    tp(
        "c-handover-queue",
        "follow-up",
        "backstage",
        "Hand-over to the care queue",
        "Resolved tickets flow to care: real time for phone, chat, escalations and setup since April 2026, "
        "via a nightly export for email tickets.",
        owner="CRM team",
        pains=[("Nightly export loses email tickets resolved on Fridays", 6)],
    ),
    # Renew & advocate
    tp(
        "r-renewal-notice",
        "renew",
        "frontstage",
        "Renewal quote",
        "Renewal quote 60 days before the end of the term.",
        channel="email",
        owner="Sales",
        feel={M: 0, D: -1},
        to_be={M: 1, D: 0},
        pains=[("Price uplift without explanation", 6)],
        opps=[("Show usage and value delivered next to the quote", 5)],
    ),
    tp(
        "r-renewal-decision",
        "renew",
        "customer",
        "Decides to renew or expand",
        "Renews, adds devices or starts looking at alternatives.",
        channel="email",
        feel={M: 1, D: 0},
        to_be={M: 1, D: 1},
    ),
    tp(
        "r-advocacy",
        "renew",
        "care",
        "Reference and review programme",
        "Happy customers are invited to review Acme and to speak with prospects.",
        channel="email",
        owner="Customer care",
        feel={M: 1, D: 1},
    ),
    tp(
        "r-recommend",
        "renew",
        "customer",
        "Recommends Acme to peers",
        "Mentions Acme in a peer group or writes a review.",
        channel="word of mouth",
        feel={M: 2, D: 1},
        to_be={M: 2, D: 2},
    ),
    tp(
        "r-churn-model",
        "renew",
        "backstage",
        "Churn-risk score",
        "Combines tickets, follow-ups, usage and survey answers into a risk score for care.",
        owner="Data team",
        opps=[("Flag accounts with an unfollowed ticket before renewal", 5)],
    ),
]

TOUCHPOINT = {t.id: t for t in TOUCHPOINTS}

# Ticket touchpoint → (handoff id, care touchpoint, SLA hours, contact kinds, trigger,
#   follow-up probability before/after the April change, lateness probability before/after).
HANDOFFS = {
    "h-phone": (
        "ho-phone-call",
        "c-followup-call",
        24,
        ("call",),
        "Phone ticket resolved",
        (0.72, 0.95),
        (0.22, 0.04),
    ),
    "h-chat": (
        "ho-chat-call",
        "c-followup-call",
        24,
        ("call", "call", "email"),
        "Chat ticket resolved",
        (0.55, 0.92),
        (0.30, 0.05),
    ),
    "h-escalation": (
        "ho-escalation-review",
        "c-health-check",
        48,
        ("check-in", "call"),
        "Escalated (tier 2) ticket closed",
        (0.80, 0.96),
        (0.18, 0.04),
    ),
    "o-setup-ticket": (
        "ho-setup-checkin",
        "o-onboarding-checkin",
        48,
        ("check-in",),
        "Setup ticket resolved in the first 60 days",
        (0.62, 0.92),
        (0.25, 0.05),
    ),
    "h-email-ticket": (
        "ho-email-followup",
        "c-followup-email",
        24,
        ("email",),
        "Email ticket resolved (picked up by the nightly export)",
        (0.50, 0.55),
        (0.55, 0.45),
    ),
}
WEB_FOLLOWUP = (0.12, 0.40)  # web-form tickets have no agreed handoff: occasional ad-hoc emails

HANDOFF_OBJECTS = [
    Handoff(
        id=hid,
        from_touchpoint=src,
        to_touchpoint=dst,
        trigger=trigger,
        sla_hours=sla,
        from_owner=TOUCHPOINT[src].owner,
        to_owner="Customer care",
    )
    for src, (hid, dst, sla, _kinds, trigger, _p, _late) in HANDOFFS.items()
]

CHANNEL_TOUCHPOINT = {"email": "h-email-ticket", "chat": "h-chat", "phone": "h-phone", "web": "h-help-center"}
CHANNELS = ("email", "chat", "phone", "web")
CHANNEL_MIX = {M: (0.40, 0.34, 0.06, 0.20), D: (0.30, 0.20, 0.33, 0.17)}
RESOLUTION_MEDIAN_HOURS = {
    "h-chat": 2.5,
    "h-phone": 3.5,
    "h-help-center": 14.0,
    "h-email-ticket": 22.0,
    "o-setup-ticket": 16.0,
    "h-escalation": 60.0,
}

# Non-ticket surveys: (touchpoint, weight).
GENERAL_SURVEY_TOUCHPOINTS = [
    ("e-trial-signup", 1.0),
    ("o-first-backup", 2.0),
    ("o-welcome-call", 1.0),
    ("o-install-agent", 1.0),
    ("u-restore", 2.0),
    ("u-weekly-report", 1.0),
    ("u-admin-console", 1.0),
    ("r-renewal-notice", 1.0),
    ("r-renewal-decision", 1.5),
]

# -- comments ----------------------------------------------------------------------------------
# Each comment is (text, where it fits): a set of ticket touchpoints, care contact kinds or persona
# ids, or None when it fits anywhere.

Pool = list[tuple[str, frozenset[str] | None]]


def fits(*keys: str) -> frozenset[str]:
    return frozenset(keys)


EMAIL, CHAT, PHONE, WEB = "h-email-ticket", "h-chat", "h-phone", "h-help-center"
SETUP, ESCALATION = "o-setup-ticket", "h-escalation"

TICKET_COMMENTS: dict[str, Pool] = {
    "negative": [
        (
            "Took three days to get a real answer, and the first reply was just a link to the FAQ.",
            fits(EMAIL, WEB, SETUP),
        ),
        ('Support closed my ticket as "resolved" but the backup job still fails every night.', None),
        ("I had to explain the whole problem again when I was moved from chat to email.", fits(CHAT, EMAIL)),
        (
            "Restore was stuck at 99% for hours and nobody told us what was happening.",
            fits(ESCALATION, CHAT, PHONE),
        ),
        (
            "We were without a working backup for two days. Not acceptable for a backup product.",
            fits(ESCALATION, EMAIL),
        ),
        ("The agent was friendly, but the fix didn't hold and I had to open a new ticket 😤", None),
        ("Long wait on the line, then a scripted answer. I had already rebooted, twice.", fits(PHONE)),
        (
            "Emailed support on Monday, first reply on Wednesday. For a backup product, that's too slow.",
            fits(EMAIL),
        ),
        (
            "Three emails back and forth just to be asked for the same log file again.",
            fits(EMAIL, ESCALATION),
        ),
        (
            "The setup guide and the agent disagreed, and support just sent me the same guide again.",
            fits(SETUP),
        ),
        ("Chat bot first, then a 20-minute queue. By then I'd found the answer in a forum.", fits(CHAT)),
        ("The web form asks for everything, then support asks for it all again by email.", fits(WEB)),
        ("Why does a backup company need four days to answer an email?", fits(EMAIL)),
        ("Ticket bounced between three agents, each one starting from scratch.", None),
    ],
    "neutral": [
        ("Problem solved eventually, but it took longer than I expected.", None),
        ("Fine. The workaround works; I hope the real fix comes soon.", fits(ESCALATION, CHAT, PHONE, EMAIL)),
        ("OK support, but I had to chase for updates.", fits(EMAIL, ESCALATION, WEB)),
        ("The answer was correct, though the help article they sent was outdated.", None),
        ("Solved, but I still don't understand why it happened.", None),
        ("SSO works now. It took two tickets and a call, though.", fits(SETUP)),
        ("Took a couple of tries, but we got there in the end.", None),
    ],
    "positive": [
        ("Quick chat, problem fixed in 20 minutes. Thanks!", fits(CHAT)),
        ("The agent knew exactly what the error code meant.", None),
        ("Fast, clear and friendly. Couldn't ask for more.", None),
        ("Engineer on the phone found the cause in five minutes, impressive.", fits(PHONE, ESCALATION)),
        ("Helpful setup advice: exclusions, bandwidth limits, the lot.", fits(SETUP)),
        ("Reply came the same afternoon and it solved it.", fits(EMAIL, WEB)),
        ("Clear instructions, worked first time 👍", None),
        ("Support walked me through the restore step by step, very patient.", fits(CHAT, PHONE)),
    ],
}
NOT_FOLLOWED_NEGATIVE = "Nobody followed up. I only found out it was fixed when I checked the console myself."

# After a care follow-up, keyed by the contact's kind.
FOLLOWED_COMMENTS: dict[str, Pool] = {
    "negative": [
        (
            "Got a generic 'how did we do?' email days later, not a word about whether it's actually working.",
            fits("email"),
        ),
        (
            "Someone called to ask if everything was fine. It wasn't, and they couldn't see my ticket.",
            fits("call", "check-in"),
        ),
    ],
    "neutral": [
        (
            "The follow-up call was nice, but the problem itself took too long to fix.",
            fits("call", "check-in"),
        ),
        ("Appreciate the check-in, although I'd rather not have had the problem in the first place.", None),
        ("The follow-up email came days after the fix; by then I'd moved on.", fits("email")),
        ("Follow-up email was polite, but clearly a template.", fits("email")),
    ],
    "positive": [
        (
            "Jonas Müller from your care team called the next day to check everything was working again, a really nice touch.",
            fits("call", "check-in"),
        ),
        ("Loved the follow-up call. Felt like someone actually cared whether we were OK 🙏", fits("call")),
        (
            "Care checked in after the fix and even helped us set up alerts, so we'd spot it earlier next time.",
            fits("check-in", "call"),
        ),
        (
            "The follow-up email summarised what went wrong, what you changed, and what to do if it happens again. "
            "Exactly right.",
            fits("email"),
        ),
        ("Zoë from customer care called back as promised. Great service, thank you!", fits("call")),
        (
            "Nice email from care a day after the fix, asking if the backups were green again. They were!",
            fits("email"),
        ),
        (
            "Care's follow-up email had the ticket summary and a direct number to call. Very reassuring.",
            fits("email"),
        ),
        (
            "The check-in was short and useful: they spotted a second laptop that wasn't backing up.",
            fits("check-in", "call"),
        ),
        ("Ana from care rang to make sure the fix held. Small thing, big difference.", fits("call")),
        (
            'Someone called afterwards to explain the "VSS snapshot" error in plain words. Much appreciated.',
            fits("call", "check-in"),
        ),
        (
            "Didn't expect anyone to get in touch after the ticket was closed. That's why we're staying with Acme.",
            None,
        ),
    ],
}

# Surveys not about a ticket, keyed by touchpoint then mood; the set names the personas it fits.
GENERAL_COMMENTS: dict[str, dict[str, Pool]] = {
    "e-trial-signup": {
        "positive": [
            ("Trial was up and running in ten minutes, and the restore test worked first time.", None)
        ],
        "neutral": [("Trial was OK, though the emails didn't match what I had already done.", None)],
        "negative": [
            ("Lots of trial emails, none of them answered my question about data residency.", fits(D)),
            ("The trial wanted a credit card before I could test a single restore.", fits(M)),
        ],
    },
    "o-first-backup": {
        "positive": [
            ("First full backup finished overnight. Exactly what we needed.", None),
            ("Green dashboard after day one, and the bandwidth limit kept our video calls smooth.", None),
        ],
        "neutral": [
            ("First backup took a while, but the dashboard kept us informed.", None),
            ("Took two nights for the first backup. OK, but I'd have liked to know in advance.", None),
        ],
        "negative": [
            ("First full backup took almost three days on our connection, and nobody warned us.", None)
        ],
    },
    "o-welcome-call": {
        "positive": [
            ("The welcome call set us up properly; haven't had to think about backups since.", None)
        ],
        "neutral": [("Welcome call was friendly, but mostly things I had already read.", None)],
        "negative": [
            ("The welcome call was booked on a day I'd said I was away, then never rescheduled.", None)
        ],
    },
    "o-install-agent": {
        "positive": [
            ("Rolled the agent out with our device management in an afternoon.", fits(D)),
            ("Installing the agent was easier than I feared, even on the old reception PC.", fits(M)),
        ],
        "neutral": [("The agent needs admin rights on every laptop, which is a pain for us.", None)],
        "negative": [
            (
                "Mass deployment without an MSI package is painful; Frau Müller in accounting was without "
                "backup for a week.",
                fits(D),
            ),
            ("I had to visit every desk to install the agent. Half a day gone.", fits(M)),
        ],
    },
    "u-restore": {
        "positive": [
            ("Restored a deleted drawing folder in two clicks. Our architects think I'm a wizard.", fits(M)),
            ("François in our Lyon depot restored his files himself, no ticket needed 👍", fits(D)),
        ],
        "neutral": [
            ("Restore works, but finding the right version in the list takes a while.", None),
            ("Restore was fine; the progress bar could be more honest about the time left.", None),
        ],
        "negative": [("Restoring a 200 GB share took the whole weekend.", None)],
    },
    "u-weekly-report": {
        "positive": [("The weekly report is the one vendor email I actually read.", None)],
        "neutral": [("The weekly report is fine, but failed jobs should be at the top.", None)],
        "negative": [
            ("The weekly report said all green while one laptop hadn't backed up for a month.", None)
        ],
    },
    "u-admin-console": {
        "positive": [
            ("Audit log export made our ISO 27001 audit painless.", fits(D)),
            ("The console is simple enough that I can check everything in two minutes.", fits(M)),
        ],
        "neutral": [
            ("Works, but the admin console is cluttered for a small office.", fits(M)),
            ("Console is fine; I'd like an API for the device list.", fits(D)),
        ],
        "negative": [("Can't find anything in the new console, every setting moved.", None)],
    },
    "r-renewal-notice": {
        "positive": [("Pricing is fair for what we get, and the renewal was painless.", None)],
        "neutral": [("Renewal quote was fine, but I had to ask what the new line items were.", None)],
        "negative": [
            ("Renewal quote came with a 12% uplift and no explanation; we're looking at alternatives.", None)
        ],
    },
    "r-renewal-decision": {
        "positive": [("Renewed for three years. Haven't lost a file since we switched.", None)],
        "neutral": [("We'll renew, but I want the email support issue sorted.", None)],
        "negative": [
            (
                'Our auditor asked for the "data residency" statement and it took weeks to get. '
                "We are reconsidering.",
                fits(D),
            ),
            ("Two bad support experiences this year. Not sure we'll renew.", fits(M)),
        ],
    },
}


def choose(rng: np.random.Generator, pool: Pool, key: str) -> str:
    """A comment of ``pool`` that fits ``key`` (a touchpoint, contact kind or persona)."""
    options = [text for text, where in pool if where is None or key in where]
    return options[int(rng.integers(len(options)))]


# -- generation --------------------------------------------------------------------------------


class Data:
    """Everything generated, kept in plain lists of dicts in output column order."""

    def __init__(self) -> None:
        self.customers: list[dict] = []
        self.tickets: list[dict] = []
        self.contacts: list[dict] = []
        self.survey: list[dict] = []


def lerp(pair: tuple[float, float], month: int) -> float:
    return pair[0] + (pair[1] - pair[0]) * progress(month)


def in_incident(day: date) -> bool:
    return INCIDENT[0] <= day <= INCIDENT[1]


def make_customers(rng: np.random.Generator, data: Data) -> None:
    for i in range(N_CUSTOMERS):
        persona = M if rng.random() < 0.62 else D
        weight = float(rng.gamma(0.9, 1.0)) * (1.6 if persona == D else 1.0)
        data.customers.append({"customer_id": f"C-{i + 1:04d}", "persona": persona, "weight": weight})


def make_tickets(rng: np.random.Generator, data: Data) -> None:
    day_weight = np.array(
        [
            (0.35 if d.weekday() >= 5 else 1.0)
            * (0.6 if (d.month == 12 and d.day >= 22) or (d.month == 1 and d.day <= 2) else 1.0)
            * (3.0 if in_incident(d) else 1.0)
            for d in DAYS
        ]
    )
    days = rng.choice(len(DAYS), size=N_TICKETS, p=day_weight / day_weight.sum())
    cust_weight = np.array([c["weight"] for c in data.customers])
    who = rng.choice(len(data.customers), size=N_TICKETS, p=cust_weight / cust_weight.sum())
    raw = []
    for day_index, customer_index in zip(days.tolist(), who.tolist(), strict=True):
        day = DAYS[day_index]
        if day.weekday() >= 5:
            hour = float(rng.uniform(8, 20))
        else:
            hour = float(np.clip(rng.normal(12.5, 3.0), 6.0, 21.9))
        opened = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=int(hour * 3600) + int(rng.integers(0, 60))
        )
        customer = data.customers[customer_index]
        channel = CHANNELS[int(rng.choice(4, p=CHANNEL_MIX[customer["persona"]]))]
        roll = rng.random()
        if roll < 0.10:
            touchpoint = "o-setup-ticket"
        elif roll < 0.17 or (in_incident(day) and roll < 0.35):
            touchpoint = "h-escalation"
        else:
            touchpoint = CHANNEL_TOUCHPOINT[channel]
        month = month_index(day)
        sigma = 0.6 if touchpoint == "h-escalation" else 0.85
        hours = RESOLUTION_MEDIAN_HOURS[touchpoint] * math.exp(float(rng.normal(0, sigma)))
        hours *= (1 - 0.22 * progress(month)) * (1.6 if in_incident(day) else 1.0)
        resolved = opened + timedelta(minutes=max(5, round(hours * 60)))
        raw.append(
            {
                "opened": opened,
                "resolved": resolved if resolved <= EXPORTED and rng.random() >= STUCK else None,
                "customer_id": customer["customer_id"],
                "persona": customer["persona"],
                "channel": channel,
                "touchpoint": touchpoint,
                "hours": hours,
                "day": day,
            }
        )
    raw.sort(key=lambda t: (t["opened"], t["customer_id"]))
    for i, ticket in enumerate(raw):
        ticket["ticket_id"] = f"T-{i + 1:05d}"
    data.tickets = raw


def make_contacts(rng: np.random.Generator, data: Data) -> None:
    contacts = []
    for ticket in data.tickets:
        ticket["contact"] = None
        ticket["within_sla"] = False
        if ticket["resolved"] is None:
            continue
        month = month_index(ticket["resolved"].date()) if ticket["resolved"].date() <= DAYS[-1] else 11
        spec = HANDOFFS.get(ticket["touchpoint"])
        if spec:
            _hid, _dst, sla, kinds, _trigger, p_follow, p_late = spec
            follow, late = lerp(p_follow, month), lerp(p_late, month)
        else:
            sla, kinds = 24, ("email",)
            follow, late = WEB_FOLLOWUP
        if rng.random() >= follow:
            continue
        if rng.random() < late:
            delay = sla + float(rng.exponential(30.0)) + 0.25
        else:
            delay = max(0.5, sla * float(rng.beta(2.0, 3.0)))
        moment = ticket["resolved"] + timedelta(minutes=round(delay * 60))
        if moment > EXPORTED:
            continue
        kind = kinds[int(rng.integers(len(kinds)))]
        ticket["contact"] = moment
        ticket["within_sla"] = bool(spec) and delay <= sla
        contacts.append(
            {
                "customer_id": ticket["customer_id"],
                "ticket_id": ticket["ticket_id"],
                "contacted_at": moment,
                "kind": kind,
            }
        )
    contacts.sort(key=lambda c: (c["contacted_at"], c["ticket_id"]))
    for i, contact in enumerate(contacts):
        contact["contact_id"] = f"CC-{i + 1:05d}"
    data.contacts = contacts


def scores(rng: np.random.Generator, latent: float) -> tuple[int, int, int]:
    csat = int(np.clip(round(3.75 + 0.85 * latent + rng.normal(0, 0.35)), 1, 5))
    nps = int(np.clip(round(7.6 + 1.8 * latent + rng.normal(0, 0.9)), 0, 10))
    ces = int(np.clip(round(5.0 + 1.0 * latent + rng.normal(0, 0.6)), 1, 7))
    return csat, nps, ces


def band(csat: int | None, nps: int | None) -> str:
    if csat is not None:
        return "negative" if csat <= 2 else "neutral" if csat == 3 else "positive"
    assert nps is not None
    return "negative" if nps <= 6 else "neutral" if nps <= 8 else "positive"


def blank(rng: np.random.Generator, value: int, p_missing: float) -> int | None:
    return None if rng.random() < p_missing else value


def make_survey(rng: np.random.Generator, data: Data) -> None:
    contact_kind = {c["ticket_id"]: c["kind"] for c in data.contacts}
    rows = []
    for ticket in data.tickets:
        if ticket["resolved"] is None or rng.random() >= 0.25:
            continue
        after = ticket["contact"] or ticket["resolved"]
        submitted = after + timedelta(minutes=int(rng.integers(60, 72 * 60)))
        if submitted > EXPORTED:
            continue
        followed = ticket["contact"] is not None
        latent = float(rng.normal(-0.25, 0.85))
        latent += 0.95 if followed else 0.0
        latent -= 0.25 if followed and not ticket["within_sla"] else 0.0
        latent -= 0.3 * float(np.clip(math.log2(ticket["hours"] / 12), -1.5, 3.0))
        latent -= 0.2 if ticket["touchpoint"] in ("h-email-ticket", "h-escalation") else 0.0
        latent -= 0.3 if in_incident(ticket["day"]) else 0.0
        csat, nps, ces = scores(rng, latent)
        csat_v, nps_v, ces_v = blank(rng, csat, 0.04), blank(rng, nps, 0.25), blank(rng, ces, 0.10)
        if csat_v is None and nps_v is None:
            csat_v = csat
        comment = ""
        if rng.random() < 0.45:
            mood = band(csat_v, nps_v)
            contact = contact_kind.get(ticket["ticket_id"])
            if contact and (mood != "negative" or rng.random() < 0.4):
                comment = choose(rng, FOLLOWED_COMMENTS[mood], contact)
            elif mood == "negative" and not contact and rng.random() < 0.2:
                comment = NOT_FOLLOWED_NEGATIVE
            else:
                comment = choose(rng, TICKET_COMMENTS[mood], ticket["touchpoint"])
        rows.append(
            {
                "customer_id": ticket["customer_id"],
                "ticket_id": ticket["ticket_id"],
                "submitted_at": submitted,
                "touchpoint": ticket["touchpoint"],
                "persona": ticket["persona"],
                "csat": csat_v,
                "nps": nps_v,
                "ces": ces_v,
                "comment": comment,
            }
        )
    names = [name for name, _ in GENERAL_SURVEY_TOUCHPOINTS]
    weights = np.array([w for _, w in GENERAL_SURVEY_TOUCHPOINTS])
    for _ in range(N_GENERAL_SURVEYS):
        touchpoint = TOUCHPOINT[names[int(rng.choice(len(names), p=weights / weights.sum()))]]
        candidates = [
            c for c in data.customers if not touchpoint.personas or c["persona"] in touchpoint.personas
        ]
        customer = candidates[int(rng.integers(len(candidates)))]
        day = DAYS[int(rng.integers(len(DAYS)))]
        submitted = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=int(rng.integers(7 * 3600, 21 * 3600))
        )
        emotion = touchpoint.emotions.get(customer["persona"], 0)
        latent = float(rng.normal(0.1, 0.85)) + 0.45 * emotion + 0.15 * progress(month_index(day))
        csat, nps, ces = scores(rng, latent)
        csat_v, nps_v, ces_v = blank(rng, csat, 0.15), blank(rng, nps, 0.05), blank(rng, ces, 0.40)
        if csat_v is None and nps_v is None:
            nps_v = nps
        mood = band(csat_v, nps_v)
        comment = (
            choose(rng, GENERAL_COMMENTS[touchpoint.id][mood], customer["persona"])
            if rng.random() < 0.35
            else ""
        )
        rows.append(
            {
                "customer_id": customer["customer_id"],
                "ticket_id": "",
                "submitted_at": submitted,
                "touchpoint": touchpoint.id,
                "persona": customer["persona"],
                "csat": csat_v,
                "nps": nps_v,
                "ces": ces_v,
                "comment": comment,
            }
        )
    rows.sort(key=lambda r: (r["submitted_at"], r["customer_id"], r["touchpoint"]))
    for i, row in enumerate(rows):
        row["response_id"] = f"R-{i + 1:05d}"
        row["stage"] = TOUCHPOINT[row["touchpoint"]].stage
    data.survey = rows


# -- KPIs --------------------------------------------------------------------------------------


def nps_of(values: list[int]) -> float:
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return 100.0 * (promoters - detractors) / len(values)


def by_month(rows: Iterable[tuple[date, float]]) -> dict[int, list[float]]:
    out: dict[int, list[float]] = defaultdict(list)
    for day, value in rows:
        if FIRST_DAY <= day <= DAYS[-1]:
            out[month_index(day)].append(value)
    return out


def daily_series(rng: np.random.Generator, data: Data) -> dict[str, dict[date, float]]:
    """Daily values of the KPIs that have a source, keyed by KPI id then day."""
    series: dict[str, dict[date, float]] = {}

    # The survey tool's daily figure covers all respondents, of which survey.csv is an extract: its
    # monthly level follows the extract pooled over three months (less noisy than one month of it).
    ticket_rows = [r for r in data.survey if r["ticket_id"]]
    answers = {
        "csat": by_month((r["submitted_at"].date(), r["csat"]) for r in ticket_rows if r["csat"] is not None),
        "ces": by_month((r["submitted_at"].date(), r["ces"]) for r in ticket_rows if r["ces"] is not None),
        "nps": by_month((r["submitted_at"].date(), r["nps"]) for r in data.survey if r["nps"] is not None),
    }
    levels: dict[str, dict[int, float]] = {}
    for kpi, months in answers.items():
        score = nps_of if kpi == "nps" else (lambda values: float(np.mean(values)))
        levels[kpi] = {m: score([v for n in (m - 1, m, m + 1) for v in months.get(n, [])]) for m in range(12)}
    noise = {"csat": 0.15, "ces": 0.2, "nps": 6.0}
    bounds = {"csat": (1, 5), "ces": (1, 7), "nps": (-100, 100)}
    for kpi, level in levels.items():
        series[kpi] = {
            d: round(float(np.clip(level[month_index(d)] + rng.normal(0, noise[kpi]), *bounds[kpi])), 2)
            for d in DAYS
        }

    frt = {}
    for d in DAYS:
        level = 6.8 - 3.0 * progress(month_index(d))
        level *= (1.3 if d.weekday() >= 5 else 1.0) * (1.8 if in_incident(d) else 1.0)
        frt[d] = round(level * math.exp(float(rng.normal(0, 0.15))), 2)
    series["first-response-time"] = frt

    hours: dict[date, list[float]] = defaultdict(list)
    for t in data.tickets:
        if t["resolved"] is not None:
            hours[t["day"]].append((t["resolved"] - t["opened"]).total_seconds() / 3600)
    series["time-to-resolution"] = {d: round(float(np.mean(hours[d])), 2) for d in DAYS if hours[d]}

    eligible: dict[date, list[bool]] = defaultdict(list)
    for t in data.tickets:
        if t["resolved"] is not None and t["touchpoint"] in HANDOFFS:
            eligible[t["resolved"].date()].append(t["within_sla"])
    # A day on which no handoff ticket was resolved (a holiday Sunday) has no value, hence no row.
    series["followup-sla-rate"] = {
        d: round(100.0 * float(np.mean(eligible[d])), 1) for d in DAYS if eligible[d]
    }
    return series


def source(kpi_id: str) -> KpiSource:
    return KpiSource(
        kind="csv",
        location="kpi_daily.csv",
        layout="long",
        period_column="date",
        kpi_column="kpi",
        value_column="value",
        key=kpi_id,
        touchpoint_column=None,
        period="month",
        aggregation="mean",
    )


def trend(
    rng: np.random.Generator, start: float, end: float, noise: float, digits: int = 1
) -> list[Observation]:
    return [
        Observation(
            period=MONTHS[m],
            value=round(start + (end - start) * progress(m) + float(rng.normal(0, noise)), digits),
        )
        for m in range(12)
    ]


def make_kpis(rng: np.random.Generator, data: Data, series: dict[str, dict[date, float]]) -> list[Kpi]:
    sourced = [
        Kpi(
            id="csat",
            name="CSAT after support",
            touchpoint="h-resolution",
            unit="score (1–5)",
            direction="higher",
            target=4.2,
            warning=3.9,
            scale_min=1,
            scale_max=5,
        ),
        Kpi(
            id="nps",
            name="Net Promoter Score",
            touchpoint=None,
            unit="NPS points",
            direction="higher",
            target=40,
            warning=25,
            scale_min=-100,
            scale_max=100,
        ),
        Kpi(
            id="ces",
            name="Customer effort (CES 2.0)",
            touchpoint="h-resolution",
            unit="score (1–7, 7 = easy)",
            direction="higher",
            target=5.5,
            warning=4.8,
            scale_min=1,
            scale_max=7,
        ),
        Kpi(
            id="first-response-time",
            name="First response time",
            touchpoint="h-ticketing",
            unit="hours",
            direction="lower",
            target=4,
            warning=8,
            scale_min=0,
        ),
        Kpi(
            id="time-to-resolution",
            name="Time to resolution",
            touchpoint="h-resolution",
            unit="hours",
            direction="lower",
            target=18,
            warning=24,
            scale_min=0,
        ),
        Kpi(
            id="followup-sla-rate",
            name="Care follow-up within SLA (all handoffs)",
            touchpoint=None,
            unit="%",
            direction="higher",
            target=85,
            warning=65,
            scale_min=0,
            scale_max=100,
        ),
    ]
    for kpi in sourced:
        kpi.source = source(kpi.id)  # observations: filled from kpi_daily.csv by cjmkit's importer

    email_sla: dict[int, list[float]] = by_month(
        (t["resolved"].date(), 100.0 * t["within_sla"])
        for t in data.tickets
        if t["resolved"] is not None and t["touchpoint"] == "h-email-ticket"
    )
    email_kpi = Kpi(
        id="email-followup-sla",
        name="Follow-up within SLA after email tickets",
        touchpoint="c-followup-email",
        unit="%",
        direction="higher",
        target=85,
        warning=70,
        observations=[
            Observation(period=MONTHS[m], value=round(float(np.mean(email_sla[m])), 1)) for m in range(12)
        ],
    )
    others = [
        Kpi(
            id="activation-rate",
            name="Activation (first full backup within 7 days)",
            touchpoint="o-first-backup",
            unit="%",
            direction="higher",
            target=70,
            warning=60,
            scale_min=0,
            scale_max=100,
            observations=trend(rng, 58, 69, 1.5),
        ),
        Kpi(
            id="trial-conversion",
            name="Trial to paid conversion",
            touchpoint="e-trial-signup",
            unit="%",
            direction="higher",
            target=18,
            warning=14,
            scale_min=0,
            scale_max=100,
            observations=trend(rng, 15.5, 17.5, 0.8),
        ),
        Kpi(
            id="logo-churn",
            name="Monthly logo churn",
            touchpoint="r-renewal-decision",
            unit="%",
            direction="lower",
            target=1.5,
            warning=2.0,
            scale_min=0,
            scale_max=100,
            observations=trend(rng, 2.4, 1.6, 0.12, 2),
        ),
    ]
    return [*sourced, email_kpi, *others]


def make_feedback(rng: np.random.Generator, data: Data) -> list[Feedback]:
    """About 30 commented answers: some of each stage, and the non-ASCII ones."""
    commented = [r for r in data.survey if r["comment"]]
    chosen: list[dict] = []
    for needle in ("Müller", "🙏", "😤", '"', "François"):
        chosen.append(next(r for r in commented if needle in r["comment"] and r not in chosen))
    per_stage: dict[str, list[dict]] = defaultdict(list)
    for row in commented:
        per_stage[row["stage"]].append(row)
    quota = {"get-help": 10, "onboard": 6, "use": 4, "renew": 3, "evaluate": 2}
    for stage, count in quota.items():
        pool = [r for r in per_stage[stage] if r not in chosen]
        for index in sorted(rng.choice(len(pool), size=min(count, len(pool)), replace=False).tolist()):
            chosen.append(pool[index])
    chosen.sort(key=lambda r: r["response_id"])
    return [
        Feedback(
            id=f"fb-{r['response_id'].lower()}",
            touchpoint=r["touchpoint"],
            stage=r["stage"],
            persona=r["persona"],
            received=r["submitted_at"].date(),
            csat=r["csat"],
            nps=r["nps"],
            ces=r["ces"],
            comment=r["comment"],
            source=f"survey.csv {r['response_id']}",
        )
        for r in chosen
    ]


# -- the event log -----------------------------------------------------------------------------

# Event value -> the touchpoint it stands for. Events named here are what Acme's systems log.
EVENT_TOUCHPOINTS = {
    "web:pricing": "d-website",
    "trial:started": "e-trial-signup",
    "sales:demo": "e-demo",
    "security:questionnaire": "e-security-review",
    "order:signed": "o-contract",
    "agent:installed": "o-install-agent",
    "care:welcome-call": "o-welcome-call",
    "backup:first-complete": "o-first-backup",
    "restore:done": "u-restore",
    "report:opened": "u-weekly-report",
    "console:login": "u-admin-console",
    "backup:failed": "h-problem",
    "ticket:web": "h-help-center",
    "ticket:chat": "h-chat",
    "ticket:email": "h-email-ticket",
    "ticket:phone": "h-phone",
    "ticket:setup": "o-setup-ticket",
    "ticket:escalated": "h-escalation",
    "ticket:resolved": "h-resolution",
    "care:followup-call": "c-followup-call",
    "care:followup-email": "c-followup-email",
    "care:health-check": "c-health-check",
    "care:onboarding-checkin": "o-onboarding-checkin",
    "survey:answered": "c-survey",
    "renewal:quote": "r-renewal-notice",
    "renewal:renewed": "r-renewal-decision",
    "renewal:cancelled": "r-renewal-decision",
}
IGNORED_EVENTS = ["agent:updated"]  # automatic agent updates: logged, but no step of the journey
CARE_EVENT = {
    "c-followup-call": "care:followup-call",
    "c-followup-email": "care:followup-email",
    "c-health-check": "care:health-check",
    "o-onboarding-checkin": "care:onboarding-checkin",
}
NEW_CUSTOMERS = 0.3  # share of customers who started with Acme during the year (their onboarding is logged)
ANNUAL = 0.6  # share of customers on an annual contract (the others pay monthly and get no renewal quote)


def hours_later(moment: datetime, rng: np.random.Generator, low: float, high: float) -> datetime:
    return moment + timedelta(minutes=int(rng.uniform(low, high) * 60))


def make_events(rng: np.random.Generator, data: Data) -> list[dict]:
    """What Acme's systems logged about each customer: one row per event, with the customer's persona.

    It tells the story of the map: onboarding of the customers who joined during the year, use,
    backups failing before tickets, tickets and their resolution, care follow-ups (late after email
    tickets), survey answers and renewals. Two things customers do are on no touchpoint of the map
    ("missing from the map"): the status page (Daniel checks it, everyone during the February
    incident) and the community forum (where Maya asks while an email ticket waits).
    """
    start, end = datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    span = (end - start).total_seconds()
    persona_of = {c["customer_id"]: c["persona"] for c in data.customers}
    events: list[tuple[datetime, str, str]] = []

    def add(customer: str, moment: datetime, event: str) -> None:
        if start <= moment <= end:
            events.append((moment.replace(microsecond=0), customer, event))

    def anytime() -> datetime:
        return start + timedelta(seconds=int(rng.uniform(0, span)))

    fell_through = {
        t["customer_id"]
        for t in data.tickets
        if t["resolved"] and t["contact"] is None and t["touchpoint"] in HANDOFFS
    }
    first_ticket: dict[str, datetime] = {}
    for ticket in data.tickets:
        first_ticket.setdefault(ticket["customer_id"], ticket["opened"])
    for customer in data.customers:
        cid, persona = customer["customer_id"], customer["persona"]
        if rng.random() < NEW_CUSTOMERS:
            t = anytime()
            if cid in first_ticket:
                t = min(t, first_ticket[cid] - timedelta(days=float(rng.uniform(8, 30))))
            add(cid, t, "web:pricing")
            t = hours_later(t, rng, 2, 72)
            add(cid, t, "trial:started")
            if persona == D:
                add(cid, hours_later(t, rng, 48, 160), "sales:demo")
                add(cid, hours_later(t, rng, 120, 480), "security:questionnaire")
            t = hours_later(t, rng, 240, 400)
            add(cid, t, "order:signed")
            t = hours_later(t, rng, 4, 72)
            add(cid, t, "agent:installed")
            if rng.random() < 0.8:
                add(cid, hours_later(t, rng, 2, 96), "care:welcome-call")
            if rng.random() < 0.9:
                add(cid, hours_later(t, rng, 12, 96 if persona == M else 48), "backup:first-complete")
        for event, mean in (
            ("restore:done", 0.6),
            ("report:opened", 0.9),
            ("console:login", 0.8 if persona == M else 1.5),
        ):
            for _ in range(int(rng.poisson(mean))):
                add(cid, anytime(), event)
        if rng.random() < 0.3:
            add(
                cid,
                datetime(2026, 2, 9, tzinfo=UTC) + timedelta(minutes=int(rng.uniform(0, 2880))),
                "agent:updated",
            )
        if rng.random() < ANNUAL:
            renewal = anytime() + timedelta(days=60)
            add(cid, renewal - timedelta(days=60), "renewal:quote")
            lost = cid in fell_through
            add(
                cid,
                hours_later(renewal, rng, -240, 48),
                "renewal:cancelled" if rng.random() < (0.2 if lost else 0.1) else "renewal:renewed",
            )
        if persona == D and rng.random() < 0.5:
            for _ in range(int(rng.poisson(1.5))):
                add(cid, anytime(), "status-page:visit")
    destination = {src: spec[1] for src, spec in HANDOFFS.items()}
    for ticket in data.tickets:
        cid, opened = ticket["customer_id"], ticket["opened"]
        if ticket["touchpoint"] != "o-setup-ticket" and rng.random() < 0.12:
            add(cid, opened - timedelta(minutes=int(rng.uniform(20, 360))), "backup:failed")
        if in_incident(ticket["day"]) and rng.random() < 0.6:
            add(cid, hours_later(opened, rng, -6, 12), "status-page:visit")
        if ticket["touchpoint"] == "o-setup-ticket":
            add(cid, opened, "ticket:setup")
        else:
            add(cid, opened, f"ticket:{ticket['channel']}")
        if ticket["touchpoint"] == "h-escalation":
            add(cid, hours_later(opened, rng, 1, 6), "ticket:escalated")
        if ticket["touchpoint"] == "h-email-ticket" and ticket["persona"] == M and rng.random() < 0.15:
            add(cid, hours_later(opened, rng, 6, 60), "community:post")
        if ticket["resolved"] is not None:
            add(cid, ticket["resolved"], "ticket:resolved")
        if ticket["contact"] is not None:
            care = destination.get(ticket["touchpoint"], "c-followup-email")
            add(cid, ticket["contact"], CARE_EVENT[care])
    for answer in data.survey:
        add(answer["customer_id"], answer["submitted_at"], "survey:answered")
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [{"customer_id": c, "timestamp": m, "event": e, "persona": persona_of[c]} for m, c, e in events]


def make_journey(kpis: list[Kpi], feedback: list[Feedback]) -> Journey:
    journey = Journey(
        id="acme-cloud",
        title="Acme Cloud: from backup scare to loyal customer",
        description=(
            "Acme Cloud sells cloud backup and file sync to small and mid-sized businesses. Mapped in "
            "workshops in November 2025 and measured from December 2025 to November 2026. Getting help is "
            "the low point of the journey; a care follow-up after a resolved ticket is what turns it around. "
            "Since April 2026 phone, chat, escalation and setup tickets reach care in real time; email tickets "
            "still go through a nightly export, and that handoff lags behind."
        ),
        created=datetime(2025, 11, 18, 9, 30, tzinfo=UTC),
        updated=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        revision=0,
        personas=PERSONAS,
        stages=STAGES,
        lanes=LANES,
        touchpoints=TOUCHPOINTS,
        handoffs=HANDOFF_OBJECTS,
        kpis=kpis,
        feedback=feedback,
    )
    return journey_from_dict(journey.to_dict(), source="sample_data/generate.py")


# -- writing -----------------------------------------------------------------------------------


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row[c]) for c in columns])


def generate(out: Path) -> None:
    """Generate every sample file into ``out``."""
    rng = np.random.default_rng(SEED)
    data = Data()
    make_customers(rng, data)
    make_tickets(rng, data)
    make_contacts(rng, data)
    make_survey(rng, data)
    series = daily_series(rng, data)
    kpis = make_kpis(rng, data, series)
    journey = make_journey(kpis, make_feedback(rng, data))
    # the event log has its own random stream, so adding it left every other file as it was
    events = make_events(np.random.default_rng(SEED + 16), data)
    journey.event_log = EventLog(
        source=EventSource(kind="csv", location="events.csv", segment_column="persona"),
        mapping=EVENT_TOUCHPOINTS,
        ignore=IGNORED_EVENTS,
        survey="survey.csv",
    )

    out.mkdir(parents=True, exist_ok=True)
    touchpoint_of = {k.id: k.touchpoint for k in journey.kpis}
    write_csv(
        out / "kpi_daily.csv",
        ("date", "kpi", "touchpoint", "value"),
        (
            {"date": d.isoformat(), "kpi": kpi, "touchpoint": touchpoint_of[kpi], "value": values[d]}
            for d in DAYS
            for kpi, values in series.items()
            if d in values
        ),
    )
    write_csv(out / "events.csv", ("customer_id", "timestamp", "event", "persona"), events)
    write_csv(out / "survey.csv", SURVEY_COLUMNS, data.survey)
    # The sourced KPIs' observations are exactly what `cjmkit kpi refresh` makes of kpi_daily.csv,
    # and the journey as measured what `cjmkit journey refresh` makes of events.csv and survey.csv,
    # so refreshing the sample map changes nothing.
    editor = Editor(journey)
    refresh(editor, out)
    refresh_event_log(editor, out)
    journey = editor.journey
    write_journey(journey, out / "acme.cjm.json")
    write_csv(
        out / "tickets.csv",
        ("ticket_id", "customer_id", "opened_at", "resolved_at", "channel", "touchpoint"),
        ({**t, "opened_at": t["opened"], "resolved_at": t["resolved"]} for t in data.tickets),
    )
    write_csv(
        out / "care_contacts.csv",
        ("contact_id", "customer_id", "ticket_id", "contacted_at", "kind"),
        data.contacts,
    )


SURVEY_COLUMNS = (
    "response_id", "customer_id", "ticket_id", "submitted_at", "touchpoint", "stage", "persona", "csat", "nps",
    "ces", "comment",
)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate cjmkit's Acme Cloud sample data.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: sample_data/)")
    generate(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
