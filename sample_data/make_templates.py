"""Write cjmkit's journey templates: ``.venv/bin/python sample_data/make_templates.py [--out DIR]``.

The ``templates/*.cjm.json`` files are what users (and :mod:`cjmkit.templates`) read; this script
is only a convenient way to author them, and lives here rather than in ``templates/`` because that
folder is copied into the wheel as it is. It writes the files the way the store does
(``model_dump_json(indent=2)`` plus a newline), deterministically, so running it twice changes
nothing.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from authoring import standard_lanes, tp, write_journey

from cjmkit.model import Handoff, Journey, Kpi, Persona, Stage, journey_from_dict

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates"

# The four lanes every template has, plus frontstage where the company meets the customer directly.
LANES = standard_lanes(frontstage="Frontstage", backstage="Backstage & systems")


def journey(**fields: object) -> Journey:
    return Journey(
        created=STAMP, updated=STAMP, revision=0, lanes=[lane.model_copy() for lane in LANES], **fields
    )


# -- See / Think / Do / Care ------------------------------------------------------------------


def see_think_do_care() -> Journey:
    personas = [
        Persona(
            id="browser",
            name="Lena, the curious browser",
            role="Not looking to buy yet; reads, watches and compares for later",
            goals=["Understand whether this kind of product could help her", "Learn without being sold to"],
            needs=["Plain-language content", "Honest comparisons", "A way to come back later"],
            frustrations=["Pop-ups and forced sign-ups", "Prices hidden behind 'contact sales'"],
            quote="I'm just looking for now. If you're pushy, I'm gone.",
            channels=["social media", "search", "blog", "video"],
        ),
        Persona(
            id="buyer",
            name="Tom, the ready-to-buy comparer",
            role="Has a need today and a shortlist of three providers",
            goals=["Pick the right plan quickly", "Be sure he can get help after buying"],
            needs=["Clear pricing", "Reviews from people like him", "Fast answers to specific questions"],
            frustrations=["Surprise fees at checkout", "Support that disappears after the sale"],
            quote="I've decided I need it. Convince me you'll still be there when something breaks.",
            channels=["search", "website", "chat", "email"],
        ),
    ]
    stages = [
        Stage(
            id="see",
            name="See",
            phase="See",
            goal="Reach everyone who could ever need us, without asking for anything",
        ),
        Stage(
            id="think", name="Think", phase="Think", goal="Help people with a need weigh options and trust us"
        ),
        Stage(id="do", name="Do", phase="Do", goal="Make buying easy for those ready to act"),
        Stage(
            id="care", name="Care", phase="Care", goal="Turn customers into repeat customers and advocates"
        ),
    ]
    b, t = "browser", "buyer"
    touchpoints = [
        tp(
            "see-content",
            "see",
            "customer",
            "Comes across useful content",
            "Finds a how-to article or short video shared by a friend or surfaced by search.",
            channel="social media",
            feel={b: 1, t: 0},
            to_be={b: 2, t: 1},
            pains=[("Content ends in a hard sell", 4)],
            opps=[("End articles with a 'save for later' option instead of 'buy now'", 5)],
        ),
        tp(
            "see-brand",
            "see",
            "frontstage",
            "Brand stories and guides",
            "Editorial content, social posts and guides answering the questions people really search for.",
            channel="blog",
            owner="Marketing",
            feel={b: 1, t: 0},
            opps=[("Answer top 20 search questions with one honest guide each", 3)],
        ),
        tp(
            "see-audience",
            "see",
            "backstage",
            "Audience insights",
            "Search and social listening that shows which questions the wider audience is asking.",
            owner="Marketing analytics",
            pains=[("Insights are not shared with product and support", 2)],
        ),
        tp(
            "think-compare",
            "think",
            "customer",
            "Compares options",
            "Reads reviews, checks comparison pages and pricing, asks peers.",
            channel="website",
            feel={b: 0, t: -1},
            to_be={b: 1, t: 1},
            pains=[
                ("Pricing pages are hard to compare like for like", 6),
                ("Fake-looking reviews erode trust", 3),
            ],
            opps=[("Publish a fair comparison table including competitors", 5)],
        ),
        tp(
            "think-question",
            "think",
            "support",
            "Pre-sales question in chat",
            "Asks whether the product works with what they already have before committing.",
            channel="chat",
            owner="Support",
            feel={b: 0, t: 0},
            to_be={t: 1},
            pains=[("Chat bot loops without reaching a person", 7)],
            opps=[("Route pre-sales questions to a person within two minutes", 4)],
        ),
        tp(
            "think-nurture",
            "think",
            "backstage",
            "Consent-based nurture",
            "Emails only to people who asked for them, based on what they read.",
            owner="Marketing operations",
            pains=[("Same newsletter sent to everyone", 2)],
        ),
        tp(
            "do-checkout",
            "do",
            "customer",
            "Chooses a plan and pays",
            "Selects a plan, enters details and pays.",
            channel="website",
            feel={t: 1},
            to_be={t: 2},
            personas=[t],
            pains=[("Surprise fees on the last step", 8)],
            opps=[("Show the full price, taxes included, on the plan page", 6)],
        ),
        tp(
            "do-confirmation",
            "do",
            "frontstage",
            "Order confirmation",
            "Confirmation page and email with what happens next and who to contact.",
            channel="email",
            owner="E-commerce",
            feel={t: 1},
            personas=[t],
        ),
        tp(
            "do-payment-help",
            "do",
            "support",
            "Help with a failed payment",
            "Card declined or invoice needed: the customer contacts support to finish buying.",
            channel="chat",
            owner="Support",
            feel={t: -2},
            to_be={t: 0},
            personas=[t],
            pains=[("Error message does not say why the payment failed", 5)],
            opps=[("Offer invoice payment for business customers", 3)],
        ),
        tp(
            "do-fulfilment",
            "do",
            "backstage",
            "Provisioning and fulfilment",
            "Order handed to fulfilment; account or delivery prepared.",
            owner="Operations",
        ),
        tp(
            "care-first-use",
            "care",
            "customer",
            "First weeks of use",
            "Uses the product, discovers what it can do, hits the first questions.",
            channel="app",
            feel={t: 1},
            to_be={t: 2},
            personas=[t],
            pains=[("No one explains the features that matter most", 4)],
        ),
        tp(
            "care-support",
            "care",
            "support",
            "Gets a problem fixed",
            "Contacts support about a first problem after buying.",
            channel="email",
            owner="Support",
            feel={t: -1},
            to_be={t: 1},
            personas=[t],
            pains=[("Has to repeat the whole story to a second agent", 6)],
            opps=[("Give agents the purchase history on one screen", 4)],
        ),
        tp(
            "care-followup",
            "care",
            "care",
            "Care check-in after the fix",
            "A care agent checks a day later that the fix held and asks whether anything else is needed.",
            channel="phone",
            owner="Customer care",
            feel={t: 1},
            to_be={t: 2},
            personas=[t],
            opps=[("Use the check-in to suggest one feature that fits their use", 5)],
        ),
        tp(
            "care-loyalty",
            "care",
            "care",
            "Loyalty and referral",
            "Thank-you note, early access and a referral offer for happy customers.",
            channel="email",
            owner="Customer care",
            feel={t: 2},
            personas=[t],
        ),
        tp(
            "care-crm",
            "care",
            "backstage",
            "Customer record and health score",
            "CRM joins purchase, support tickets and care contacts into one health score.",
            owner="CRM team",
            pains=[("Support tickets are not visible in the CRM", 5)],
        ),
    ]
    handoffs = [
        Handoff(
            id="support-to-care-checkin",
            from_touchpoint="care-support",
            to_touchpoint="care-followup",
            trigger="Ticket marked resolved",
            sla_hours=24,
            from_owner="Support",
            to_owner="Customer care",
        ),
        Handoff(
            id="payment-help-to-care",
            from_touchpoint="do-payment-help",
            to_touchpoint="care-loyalty",
            trigger="Payment problem solved and order completed",
            sla_hours=48,
            from_owner="Support",
            to_owner="Customer care",
        ),
    ]
    kpis = [
        Kpi(
            id="think-to-do-conversion",
            name="Think-to-do conversion",
            touchpoint="think-compare",
            unit="%",
            direction="higher",
            target=4.0,
            warning=2.5,
        ),
        Kpi(
            id="care-csat",
            name="CSAT after care check-in",
            touchpoint="care-followup",
            unit="score (1–5)",
            direction="higher",
            target=4.5,
            warning=4.0,
        ),
        Kpi(
            id="repeat-purchase-rate",
            name="Repeat purchase rate",
            touchpoint="care-loyalty",
            unit="%",
            direction="higher",
            target=30,
            warning=20,
        ),
    ]
    return journey(
        id="see-think-do-care",
        title="See, Think, Do, Care",
        description=(
            "Avinash Kaushik's intent-based framework as four stages: reach people without a need yet (See), "
            "help those weighing options (Think), make buying easy (Do) and look after customers so they "
            "come back (Care). Good for aligning marketing, sales, support and care on one page."
        ),
        personas=personas,
        stages=stages,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=kpis,
    )


# -- Support to care --------------------------------------------------------------------------


def support_to_care() -> Journey:
    personas = [
        Persona(
            id="sam",
            name="Sam, small-business owner",
            role="Runs a 12-person shop; the product is critical but he is not technical",
            goals=["Get back to work as quickly as possible", "Not lose money or data"],
            needs=["One person who owns the problem", "Updates without chasing", "Plain language"],
            frustrations=["Being passed around", "Tickets closed before the problem is really gone"],
            quote="I don't need to know why it broke. I need to know when it works again.",
            channels=["phone", "email"],
        ),
        Persona(
            id="priya",
            name="Priya, IT administrator",
            role="Looks after the product for a 400-person organisation",
            goals=["Find the root cause, not just a workaround", "Keep her users informed"],
            needs=["Technical depth on the first contact", "Logs and status page", "Escalation path"],
            frustrations=["Scripted first-line questions", "No status updates during outages"],
            quote="I've already rebooted it. Please send me someone who can read a log file.",
            channels=["web portal", "chat", "status page"],
        ),
    ]
    stages = [
        Stage(
            id="problem",
            name="Problem occurs",
            goal="Notice problems early, ideally before the customer does",
        ),
        Stage(
            id="contact",
            name="Contact support",
            goal="Make asking for help effortless on the customer's channel",
        ),
        Stage(
            id="troubleshoot",
            name="Troubleshooting",
            goal="Diagnose with as little back-and-forth as possible",
        ),
        Stage(id="resolution", name="Resolution", goal="Fix the cause and confirm it with the customer"),
        Stage(id="follow-up", name="Care follow-up", goal="Check the fix held and repair the relationship"),
        Stage(id="feedback", name="Feedback", goal="Learn from every case and close the loop"),
        Stage(id="loyalty", name="Loyalty", goal="Leave the customer more loyal than before the problem"),
    ]
    s, p = "sam", "priya"
    touchpoints = [
        tp(
            "notice-problem",
            "problem",
            "customer",
            "Something stops working",
            "An error appears, data is missing or the service is slow at a busy moment.",
            channel="app",
            feel={s: -2, p: -1},
            to_be={s: -1, p: 0},
            pains=[("Error message gives no next step", 7)],
            opps=[("Every error message links to the right help article and a contact option", 6)],
        ),
        tp(
            "proactive-alert",
            "problem",
            "backstage",
            "Monitoring detects the incident",
            "Monitoring notices the error rate and opens an incident.",
            owner="Operations",
            pains=[("Customers learn about outages before the status page does", 5)],
            opps=[("Post to the status page automatically within 10 minutes", 4)],
        ),
        tp(
            "status-page",
            "problem",
            "frontstage",
            "Status page and in-app banner",
            "Public status page and banner say what is known and when the next update comes.",
            channel="web",
            owner="Operations",
            feel={s: 0, p: 1},
            personas=[p],
        ),
        tp(
            "contact-channel",
            "contact",
            "customer",
            "Looks for a way to get help",
            "Searches the help centre, then looks for chat, a phone number or a contact form.",
            channel="web",
            feel={s: -2, p: -1},
            to_be={s: 0, p: 0},
            pains=[("Phone number hidden behind three pages of FAQs", 8)],
            opps=[("Show all contact options on one page with current wait times", 5)],
        ),
        tp(
            "first-contact",
            "contact",
            "support",
            "First contact with support",
            "Chat, phone or web form; a ticket is opened and the customer gets a reference.",
            channel="chat",
            owner="Support tier 1",
            feel={s: -1, p: -1},
            to_be={s: 1, p: 0},
            pains=[("Customer has to repeat account details already given in the form", 6)],
            opps=[("Pre-fill the ticket with account, plan and recent errors", 5)],
        ),
        tp(
            "diagnosis",
            "troubleshoot",
            "support",
            "Diagnosis and workaround",
            "Agent reproduces the problem, asks for logs and offers a workaround.",
            channel="chat",
            owner="Support tier 1",
            feel={s: -1, p: -1},
            to_be={s: 0, p: 1},
            pains=[("Scripted questions the customer already answered", 7)],
            opps=[("Let experienced admins skip straight to tier 2", 4)],
        ),
        tp(
            "escalation",
            "troubleshoot",
            "support",
            "Escalation to specialists",
            "Tier 2 or engineering take over hard cases.",
            channel="email",
            owner="Support tier 2",
            feel={s: -2, p: -1},
            to_be={s: 0, p: 0},
            pains=[("No update for days while engineering investigates", 8)],
            opps=[("Promise and keep a daily update during escalations", 6)],
        ),
        tp(
            "knowledge-base",
            "troubleshoot",
            "backstage",
            "Knowledge base and ticket history",
            "What agents look up: known issues, past tickets, the customer's setup.",
            owner="Support operations",
            pains=[("Known-issue articles are out of date", 3)],
        ),
        tp(
            "fix-confirmed",
            "resolution",
            "support",
            "Fix delivered and confirmed",
            "Agent explains what was fixed, checks with the customer and resolves the ticket.",
            channel="email",
            owner="Support tier 1",
            feel={s: 0, p: 1},
            to_be={s: 1, p: 1},
            pains=[("Ticket auto-closes before the customer confirms", 6)],
            opps=[("Resolve only after the customer confirms, or after 3 days of silence", 4)],
        ),
        tp(
            "back-to-work",
            "resolution",
            "customer",
            "Back to work",
            "The customer works normally again, still a bit wary.",
            feel={s: 0, p: 0},
            to_be={s: 1, p: 1},
        ),
        tp(
            "care-call",
            "follow-up",
            "care",
            "Care follow-up call",
            "A care agent calls a day after resolution: is everything working, is there anything else?",
            channel="phone",
            owner="Customer care",
            feel={s: 1, p: 1},
            to_be={s: 2, p: 1},
            pains=[("Care does not know what happened in the ticket", 5)],
            opps=[("Hand over a three-line case summary with every resolved ticket", 7)],
        ),
        tp(
            "care-handover-queue",
            "follow-up",
            "backstage",
            "Resolved tickets reach the care queue",
            "The ticketing system hands resolved tickets to the care team's queue.",
            owner="CRM team",
            pains=[("Sync runs once a night, so follow-ups start late", 5)],
        ),
        tp(
            "survey",
            "feedback",
            "customer",
            "Answers a short survey",
            "CSAT, effort and one open question, sent after the care follow-up.",
            channel="email",
            feel={s: 0, p: 0},
            pains=[("Survey arrives while the problem is still open", 4)],
        ),
        tp(
            "close-the-loop",
            "feedback",
            "care",
            "Close the loop on low scores",
            "Care contacts everyone who scored 1–2 and tells them what changed.",
            channel="phone",
            owner="Customer care",
            feel={s: 1, p: 1},
            to_be={s: 2, p: 2},
            opps=[("Share fixes that came from feedback in the release notes", 3)],
        ),
        tp(
            "root-cause",
            "feedback",
            "backstage",
            "Root-cause review",
            "Recurring problems go to product with their ticket volume.",
            owner="Product",
            opps=[("Monthly top-5 problem review with product and support", 5)],
        ),
        tp(
            "renewal",
            "loyalty",
            "customer",
            "Renews and recommends",
            "Renews without hesitation and mentions the good service to a peer.",
            channel="email",
            feel={s: 1, p: 1},
            to_be={s: 2, p: 2},
        ),
        tp(
            "loyalty-gesture",
            "loyalty",
            "care",
            "Thank-you and loyalty gesture",
            "A personal note or a small credit after a bad incident.",
            channel="email",
            owner="Customer care",
            feel={s: 2, p: 1},
        ),
    ]
    handoffs = [
        Handoff(
            id="resolved-to-care-call",
            from_touchpoint="fix-confirmed",
            to_touchpoint="care-call",
            trigger="Ticket resolved",
            sla_hours=24,
            from_owner="Support tier 1",
            to_owner="Customer care",
        ),
        Handoff(
            id="escalation-to-care",
            from_touchpoint="escalation",
            to_touchpoint="loyalty-gesture",
            trigger="Escalated ticket closed after more than 3 days",
            sla_hours=48,
            from_owner="Support tier 2",
            to_owner="Customer care",
        ),
    ]
    kpis = [
        Kpi(
            id="time-to-resolution",
            name="Time to resolution",
            touchpoint="fix-confirmed",
            unit="hours",
            direction="lower",
            target=24,
            warning=48,
        ),
        Kpi(
            id="followup-within-sla",
            name="Follow-up within SLA",
            touchpoint="care-call",
            unit="%",
            direction="higher",
            target=90,
            warning=75,
        ),
        Kpi(
            id="csat-after-support",
            name="CSAT after support",
            touchpoint="survey",
            unit="score (1–5)",
            direction="higher",
            target=4.3,
            warning=4.0,
        ),
    ]
    return journey(
        id="support-to-care",
        title="Support to care",
        description=(
            "From the moment something breaks to a customer who is more loyal than before: support solves "
            "the problem, care follows up, feedback closes the loop. Use it to design and measure the "
            "handoff between support and care."
        ),
        personas=personas,
        stages=stages,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=kpis,
    )


# -- SaaS onboarding --------------------------------------------------------------------------


def saas_onboarding() -> Journey:
    personas = [
        Persona(
            id="admin",
            name="Jordan, workspace admin",
            role="Operations lead who bought the tool and has to roll it out",
            goals=["Get the team using it within two weeks", "Connect it to the tools they already use"],
            needs=[
                "A clear setup checklist",
                "Help with SSO and integrations",
                "Proof of adoption for the boss",
            ],
            frustrations=["Setup wizards that skip important steps", "Invite emails landing in spam"],
            quote="I promised my manager this would save us time. Now I have to prove it.",
            channels=["in-app", "email", "video call"],
        ),
        Persona(
            id="member",
            name="Chris, invited team member",
            role="Did not choose the tool; has to use it on top of daily work",
            goals=["Learn only what is needed for their job", "Not lose work in the switch"],
            needs=["Short, task-based guidance", "Their existing data already there"],
            frustrations=["Long product tours", "Being asked to learn 'yet another tool'"],
            quote="Just show me where my stuff is and how to do my three daily tasks.",
            channels=["in-app", "chat"],
        ),
    ]
    stages = [
        Stage(id="sign-up", name="Sign up", goal="An account in under two minutes"),
        Stage(id="setup", name="Setup & integrations", goal="Connected to SSO and the tools they use"),
        Stage(id="first-value", name="First value", goal="The first real task done in the product"),
        Stage(id="team-adoption", name="Team adoption", goal="Most invited members active weekly"),
        Stage(id="habit", name="Habit & expansion", goal="Part of daily work; ready to grow the plan"),
    ]
    a, m = "admin", "member"
    touchpoints = [
        tp(
            "create-account",
            "sign-up",
            "customer",
            "Creates the workspace",
            "Signs up with a work email and names the workspace.",
            channel="web",
            feel={a: 1},
            personas=[a],
            to_be={a: 2},
            pains=[("Credit card asked for before trying anything", 5)],
        ),
        tp(
            "welcome-email",
            "sign-up",
            "frontstage",
            "Welcome email and checklist",
            "Email with a five-step setup checklist and a link to book an onboarding call.",
            channel="email",
            owner="Lifecycle marketing",
            feel={a: 1},
            personas=[a],
            opps=[("Personalise the checklist by the use case chosen at sign-up", 4)],
        ),
        tp(
            "provisioning",
            "sign-up",
            "backstage",
            "Workspace provisioning",
            "Tenant created, trial plan assigned, usage tracking switched on.",
            owner="Platform",
        ),
        tp(
            "connect-sso",
            "setup",
            "customer",
            "Connects SSO and integrations",
            "Sets up single sign-on and connects calendar, chat and storage.",
            channel="web",
            feel={a: -1},
            to_be={a: 1},
            personas=[a],
            pains=[("SSO setup needs values the admin has to get from another team", 7)],
            opps=[("Send a ready-made request the admin can forward to their IdP team", 5)],
        ),
        tp(
            "setup-ticket",
            "setup",
            "support",
            "Setup help ticket",
            "Admin asks support for help with SSO or data import.",
            channel="chat",
            owner="Support",
            feel={a: -1},
            to_be={a: 1},
            personas=[a],
            pains=[("First answer is a generic docs link", 6)],
            opps=[("Specialist setup queue during the first 30 days", 5)],
        ),
        tp(
            "data-import",
            "setup",
            "backstage",
            "Data import jobs",
            "Imports projects and users from the previous tool.",
            owner="Platform",
            pains=[("Import errors are only visible in logs", 4)],
        ),
        tp(
            "invite-team",
            "first-value",
            "customer",
            "Invites the team",
            "Admin invites colleagues; members receive invitations.",
            channel="email",
            feel={a: 0, m: -1},
            to_be={a: 1, m: 0},
            pains=[("Invitations land in spam", 6)],
        ),
        tp(
            "first-task",
            "first-value",
            "customer",
            "Completes a first real task",
            "Member finds their imported work and completes a daily task in the new tool.",
            channel="in-app",
            feel={a: 1, m: 0},
            to_be={a: 2, m: 1},
            opps=[("Task-based checklist per role instead of a product tour", 6)],
        ),
        tp(
            "in-app-guide",
            "first-value",
            "frontstage",
            "In-app guidance",
            "Tooltips and short videos triggered by what the user is doing.",
            channel="in-app",
            owner="Product",
            feel={a: 0, m: -1},
            to_be={m: 1},
            pains=[("Tour cannot be skipped and restarts on every device", 5)],
        ),
        tp(
            "onboarding-call",
            "team-adoption",
            "care",
            "Onboarding call with customer success",
            "A customer success manager reviews adoption with the admin and agrees next steps.",
            channel="video call",
            owner="Customer success",
            feel={a: 2},
            personas=[a],
            opps=[("Share an adoption dashboard the admin can show their manager", 6)],
        ),
        tp(
            "how-to-question",
            "team-adoption",
            "support",
            "How-to question from a member",
            "A member asks how to do something they did differently in the old tool.",
            channel="chat",
            owner="Support",
            feel={m: -1},
            to_be={m: 1},
            personas=[m],
        ),
        tp(
            "adoption-signals",
            "team-adoption",
            "backstage",
            "Adoption signals",
            "Weekly active members and feature usage feed the health score.",
            owner="Data team",
        ),
        tp(
            "weekly-use",
            "habit",
            "customer",
            "Uses it every day",
            "The team plans and tracks work in the tool without thinking about it.",
            channel="in-app",
            feel={a: 2, m: 1},
            to_be={a: 2, m: 2},
        ),
        tp(
            "care-checkin",
            "habit",
            "care",
            "Day-30 care check-in",
            "Care checks in on the admin: what works, what is missing, is support answering well?",
            channel="email",
            owner="Customer success",
            feel={a: 1},
            personas=[a],
            to_be={a: 2},
            opps=[("Invite power users to a customer community", 3)],
        ),
        tp(
            "upgrade",
            "habit",
            "frontstage",
            "Plan upgrade offer",
            "Offer to upgrade when the team hits plan limits.",
            channel="in-app",
            owner="Sales",
            feel={a: 0},
            personas=[a],
            pains=[("Upgrade prompt blocks work mid-task", 4)],
        ),
    ]
    handoffs = [
        Handoff(
            id="setup-ticket-to-onboarding",
            from_touchpoint="setup-ticket",
            to_touchpoint="onboarding-call",
            trigger="Setup ticket resolved in the first 30 days",
            sla_hours=48,
            from_owner="Support",
            to_owner="Customer success",
        ),
        Handoff(
            id="howto-to-checkin",
            from_touchpoint="how-to-question",
            to_touchpoint="care-checkin",
            trigger="Three or more how-to tickets from one workspace in a week",
            sla_hours=72,
            from_owner="Support",
            to_owner="Customer success",
        ),
    ]
    kpis = [
        Kpi(
            id="activation-rate",
            name="Activation rate (first task in 7 days)",
            touchpoint="first-task",
            unit="%",
            direction="higher",
            target=60,
            warning=45,
        ),
        Kpi(
            id="time-to-first-value",
            name="Time to first value",
            touchpoint="first-task",
            unit="days",
            direction="lower",
            target=3,
            warning=7,
        ),
        Kpi(
            id="weekly-active-members",
            name="Weekly active members",
            touchpoint="weekly-use",
            unit="%",
            direction="higher",
            target=70,
            warning=50,
        ),
    ]
    return journey(
        id="saas-onboarding",
        title="SaaS onboarding",
        description=(
            "The first 30 days of a B2B software subscription, from sign-up to a team that uses the product "
            "every day. Shows where setup help from support should reach customer success."
        ),
        personas=personas,
        stages=stages,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=kpis,
    )


# -- E-commerce purchase ----------------------------------------------------------------------


def ecommerce_purchase() -> Journey:
    personas = [
        Persona(
            id="nadia",
            name="Nadia, busy parent",
            role="Buys household and children's items online, mostly on her phone",
            goals=["Order in minutes, between other things", "Get it delivered when someone is home"],
            needs=["Reliable delivery dates", "Easy returns", "Saved payment and address"],
            frustrations=["Delivery windows of a whole day", "Return labels she has to print"],
            quote="If it doesn't arrive by Friday, I've already bought it somewhere else.",
            channels=["mobile app", "email", "SMS"],
        ),
        Persona(
            id="felix",
            name="Felix, careful first-time buyer",
            role="Buying an expensive item from this shop for the first time",
            goals=["Be sure he picks the right model", "Know he can return it"],
            needs=["Detailed product information", "Real reviews", "A person to ask"],
            frustrations=["Vague specs", "Not knowing where his parcel is"],
            quote="It's a lot of money. I want to know exactly what I'm getting and how to send it back.",
            channels=["website", "chat", "phone"],
        ),
    ]
    stages = [
        Stage(id="browse", name="Browse", goal="Help people find the right product fast"),
        Stage(id="choose", name="Choose", goal="Give enough confidence to decide"),
        Stage(id="checkout", name="Checkout", goal="Pay in under a minute, no surprises"),
        Stage(id="delivery", name="Delivery", goal="Arrive when promised, with updates"),
        Stage(id="use-return", name="Use or return", goal="A product they love, or an effortless return"),
        Stage(id="repurchase", name="Repurchase", goal="Come back without thinking twice"),
    ]
    n, f = "nadia", "felix"
    touchpoints = [
        tp(
            "search-products",
            "browse",
            "customer",
            "Searches and filters products",
            "Searches the shop, filters by size, price and delivery date.",
            channel="mobile app",
            feel={n: 1, f: 0},
            to_be={n: 1, f: 1},
            pains=[("Filter for 'delivered by Friday' is missing", 6)],
        ),
        tp(
            "recommendations",
            "browse",
            "backstage",
            "Search ranking and recommendations",
            "Ranking uses stock, margin and past purchases.",
            owner="E-commerce platform",
            pains=[("Out-of-stock items ranked at the top", 4)],
        ),
        tp(
            "product-page",
            "choose",
            "frontstage",
            "Product page",
            "Photos, specs, reviews, delivery estimate and return policy.",
            channel="website",
            owner="E-commerce",
            feel={n: 1, f: 0},
            to_be={f: 1},
            pains=[("Specs missing for half of the large items", 5)],
            opps=[("Show delivery date and free returns next to the price", 6)],
        ),
        tp(
            "pre-sales-chat",
            "choose",
            "support",
            "Asks a question in chat",
            "Asks whether the item fits or works with what they already have.",
            channel="chat",
            owner="Customer service",
            feel={f: 0},
            to_be={f: 1},
            personas=[f],
            pains=[("Chat replies come after the customer has left the page", 5)],
        ),
        tp(
            "checkout",
            "checkout",
            "customer",
            "Checks out and pays",
            "Adds address, picks a delivery slot and pays.",
            channel="mobile app",
            feel={n: 1, f: 0},
            to_be={n: 2, f: 1},
            pains=[("Delivery cost shown only at the last step", 7)],
            opps=[("One-tap checkout with saved details", 5)],
        ),
        tp(
            "order-confirmation",
            "checkout",
            "frontstage",
            "Order confirmation",
            "Email and push notification with order summary and delivery date.",
            channel="email",
            owner="E-commerce",
            feel={n: 1, f: 1},
        ),
        tp(
            "fraud-check",
            "checkout",
            "backstage",
            "Payment and fraud check",
            "Payment captured, fraud screening, order sent to the warehouse.",
            owner="Payments",
            pains=[("False fraud flags delay first-time buyers' orders", 3)],
        ),
        tp(
            "tracking",
            "delivery",
            "customer",
            "Tracks the parcel",
            "Follows the parcel through carrier updates.",
            channel="SMS",
            feel={n: 0, f: -1},
            to_be={n: 1, f: 1},
            pains=[("Tracking link stops updating at the depot", 6)],
        ),
        tp(
            "wismo-contact",
            "delivery",
            "support",
            "Where is my order?",
            "Contacts customer service because the parcel is late or tracking is stuck.",
            channel="chat",
            owner="Customer service",
            feel={n: -2, f: -2},
            to_be={n: 0, f: 0},
            pains=[("Agents can see no more than the customer can", 7)],
            opps=[("Proactive SMS when a parcel is delayed, before the customer asks", 8)],
        ),
        tp(
            "warehouse",
            "delivery",
            "backstage",
            "Warehouse and carrier handover",
            "Picking, packing and handing parcels to the carrier.",
            owner="Logistics",
        ),
        tp(
            "unbox",
            "use-return",
            "customer",
            "Unboxes and uses the product",
            "Opens the parcel and tries the product.",
            feel={n: 1, f: 1},
            to_be={n: 2, f: 2},
        ),
        tp(
            "return-request",
            "use-return",
            "support",
            "Requests a return",
            "Starts a return because the item does not fit or is faulty.",
            channel="web",
            owner="Customer service",
            feel={n: -1, f: -1},
            to_be={n: 0, f: 0},
            pains=[("Has to print a label", 6), ("Refund takes up to 14 days", 5)],
            opps=[("QR-code returns at a parcel shop, no printer needed", 6)],
        ),
        tp(
            "refund-processed",
            "use-return",
            "backstage",
            "Return received and refund issued",
            "Warehouse checks the returned item; finance issues the refund.",
            owner="Finance",
        ),
        tp(
            "care-after-return",
            "repurchase",
            "care",
            "Care follow-up after a return or late delivery",
            "Care apologises, checks the refund arrived and suggests a better-fitting alternative.",
            channel="email",
            owner="Customer care",
            feel={n: 1, f: 1},
            to_be={n: 1, f: 2},
            opps=[("Add a personal voucher when the delivery promise was broken", 4)],
        ),
        tp(
            "review-request",
            "repurchase",
            "care",
            "Review request and thank-you",
            "A week after delivery: how is the product, would you review it?",
            channel="email",
            owner="Customer care",
            feel={n: 0, f: 1},
            pains=[("Review request arrives before the parcel", 3)],
        ),
        tp(
            "reorder",
            "repurchase",
            "customer",
            "Orders again",
            "Reorders consumables or buys a related product.",
            channel="mobile app",
            feel={n: 2, f: 1},
            to_be={n: 2, f: 2},
        ),
    ]
    handoffs = [
        Handoff(
            id="return-to-care",
            from_touchpoint="return-request",
            to_touchpoint="care-after-return",
            trigger="Refund issued",
            sla_hours=24,
            from_owner="Customer service",
            to_owner="Customer care",
        ),
        Handoff(
            id="late-delivery-to-care",
            from_touchpoint="wismo-contact",
            to_touchpoint="care-after-return",
            trigger="Late parcel delivered",
            sla_hours=48,
            from_owner="Customer service",
            to_owner="Customer care",
        ),
    ]
    kpis = [
        Kpi(
            id="on-time-delivery",
            name="On-time delivery",
            touchpoint="tracking",
            unit="%",
            direction="higher",
            target=95,
            warning=90,
        ),
        Kpi(
            id="wismo-contacts",
            name="'Where is my order' contacts per 100 orders",
            touchpoint="wismo-contact",
            unit="per 100 orders",
            direction="lower",
            target=3,
            warning=6,
        ),
        Kpi(
            id="repeat-purchase-90d",
            name="Repeat purchase within 90 days",
            touchpoint="reorder",
            unit="%",
            direction="higher",
            target=35,
            warning=25,
        ),
    ]
    return journey(
        id="ecommerce-purchase",
        title="E-commerce purchase",
        description=(
            "An online purchase from search to reorder, including late deliveries and returns. Shows where "
            "customer service hands unhappy buyers to care so that a bad experience becomes a second order."
        ),
        personas=personas,
        stages=stages,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=kpis,
    )


TEMPLATES = {
    "see-think-do-care": see_think_do_care,
    "support-to-care": support_to_care,
    "saas-onboarding": saas_onboarding,
    "ecommerce-purchase": ecommerce_purchase,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=TEMPLATE_FOLDER, help="folder to write into (default: templates/)"
    )
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        journey = build()
        journey_from_dict(journey.to_dict())  # refuse to write a template that does not validate
        write_journey(journey, out / f"{name}.cjm.json")


if __name__ == "__main__":
    main()
