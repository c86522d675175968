"""Write the synthetic meeting transcripts (.txt, .vtt, .docx) and their reference minutes (references.jsonl).

Every meeting, person and figure here is invented by the project. Run from this folder:
``python make_transcripts.py``. The reference minutes come from the annotations below (what the author
meant each turn to be), not from the kit's parser; line numbers are counted in the written files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# A turn: (speaker or None, text, annotation). Annotation: None, ("A", owner, due ISO or None, task)
# or ("D", decision). "\n" in a text wraps the turn onto a second, unlabelled line.
MEETINGS = [
    {"id": "m01_repairs", "format": "txt", "title": "Housing repairs monthly review", "date": "2025-03-12",
     "attendees": ["Priya Shah", "Tom Reed", "Ana Lopes", "Gareth Evans"], "apologies": ["Mo Khan"], "turns": [
        ("Priya", "Welcome everyone. First item is the damp and mould backlog.", None),
        ("Tom", "We have 42 open damp cases, nine of them past the 14-day target.", None),
        ("Priya", "ACTION: Tom to send the overdue case list to both contractors by Friday 14 March.",
         ("A", "Tom Reed", "2025-03-14", "send the overdue case list to both contractors")),
        ("Ana", "The tenant letters still describe the old inspection process.", None),
        ("Ana", "I'll redraft the tenant letters by next Wednesday.",
         ("A", "Ana Lopes", "2025-03-19", "redraft the tenant letters")),
        ("Gareth", "Can we put families with babies first? Mould hits them hardest.", None),
        ("Priya", "DECISION: households with children under five go to the front of the damp queue.",
         ("D", "households with children under five go to the front of the damp queue")),
        ("Tom", "The van lease runs out soon and we need a decision on replacing it.", None),
        ("Priya", "Gareth, could you get three quotes for a replacement van before the next meeting?", None),
        ("Gareth", "Yes, I will get the quotes.", ("A", "Gareth Evans", None, "get three quotes for a replacement van")),
        ("Priya", "It was agreed that weekend inspections start in April.", ("D", "weekend inspections start in April")),
        ("Priya", "ACTION: Ana to book the\ntraining room for the end of the month.",
         ("A", "Ana Lopes", "2025-03-31", "book the training room")),
        ("Priya", "Thanks all. Same time next month.", None)]},
    {"id": "m02_waste", "format": "vtt", "title": "Waste collection service meeting", "date": "2025-05-06",
     "attendees": ["Dylan Hughes", "Sara Okafor", "Ben Carter"], "apologies": [], "turns": [
        ("Dylan Hughes", "Morning. Missed collections went up again in April, mostly on the Elm estate.", None),
        ("Sara Okafor", "Two crews were off sick and the agency cover did not know the rounds.", None),
        ("Ben Carter", "Residents on Elm Road also say the new bins are too big for their paths.", None),
        ("Dylan Hughes", "Decision: agency drivers get a route briefing before their first round.",
         ("D", "agency drivers get a route briefing before their first round")),
        ("Sara Okafor", "I'll write the route briefing pack by Friday 9 May.",
         ("A", "Sara Okafor", "2025-05-09", "write the route briefing pack")),
        ("Dylan Hughes", "Ben, can you survey the Elm Road paths and see how many homes need smaller bins?", None),
        ("Ben Carter", "Happy to. I can do the survey within two weeks.",
         ("A", "Ben Carter", "2025-05-20", "survey the Elm Road paths for smaller bins")),
        ("Dylan Hughes", "Action: Dylan to raise the agency contract with procurement by end of the month.",
         ("A", "Dylan Hughes", "2025-05-31", "raise the agency contract with procurement")),
        ("Sara Okafor", "Garden waste sign-ups are up twelve per cent on last year.", None),
        ("Dylan Hughes", "Good. We agreed to keep the garden waste price the same next year.",
         ("D", "keep the garden waste price the same next year")),
        ("Dylan Hughes", "Thanks both.", None)]},
    {"id": "m03_benefits", "format": "docx", "title": "Benefits team huddle", "date": "2025-06-02",
     "attendees": ["Helen Price", "Ravi Patel", "Joanna Nowak"], "apologies": ["Chris Lee"], "turns": [
        ("Helen", "Quick huddle. Processing times are at 19 days against a target of 14.", None),
        ("Ravi", "Most of the delay is waiting for landlords to confirm rent.", None),
        ("Joanna", "We could accept a tenancy agreement instead of a landlord letter.", None),
        ("Helen", "Agreed: a signed tenancy agreement is enough evidence of rent from now on.",
         ("D", "a signed tenancy agreement is enough evidence of rent")),
        ("Helen", "ACTION: Joanna to update the evidence guidance on the intranet by Wednesday.",
         ("A", "Joanna Nowak", "2025-06-04", "update the evidence guidance on the intranet")),
        ("Ravi", "The hardship fund is nearly spent for the quarter.", None),
        ("Helen", "ACTION: Ravi to report the hardship fund position to finance by 13 June.",
         ("A", "Ravi Patel", "2025-06-13", "report the hardship fund position to finance")),
        ("Joanna", "Should we tell the advice agencies about the change?", None),
        ("Helen", "Yes. Joanna, could you email the advice agencies once the guidance is live?", None),
        ("Joanna", "Will do.", ("A", "Joanna Nowak", None, "email the advice agencies about the change")),
        ("Helen", "Thanks everyone.", None)]},
    {"id": "m04_care_panel", "format": "txt", "title": "Adult social care allocation panel", "date": "2025-02-20",
     "attendees": ["Margaret Doyle", "Kwame Mensah", "Lucy Brown", "Idris Jones"], "apologies": [], "turns": [
        ("Margaret", "We have six new referrals and three reviews today.", None),
        ("Kwame", "The first referral is a man living alone after a stroke; his daughter visits twice a week.", None),
        ("Lucy", "He needs a reablement package, starting as soon as possible.", None),
        ("Margaret", "DECISION: reablement starts for referral one on Monday.", ("D", "reablement starts for referral one on Monday")),
        ("Margaret", "ACTION: Lucy to arrange the reablement start with the provider by tomorrow.",
         ("A", "Lucy Brown", "2025-02-21", "arrange the reablement start with the provider")),
        ("Idris", "Referral four has asked for a carers assessment for his wife.", None),
        ("Idris", "I'll book the carers assessment by 28 February.",
         ("A", "Idris Jones", "2025-02-28", "book the carers assessment for referral four")),
        ("Kwame", "The reviews are all stable; no change to the packages.", None),
        ("Margaret", "It was agreed that the three reviewed packages continue unchanged.",
         ("D", "the three reviewed packages continue unchanged")),
        ("Margaret", "ACTION: Kwame to write to the three families confirming\nthe review outcome by next Friday.",
         ("A", "Kwame Mensah", "2025-02-28", "write to the three families confirming the review outcome")),
        ("Margaret", "Close of panel.", None)]},
    {"id": "m05_outage_nolabels", "format": "txt", "title": "Contact centre outage wash-up", "date": "2025-07-15",
     "attendees": ["Nadia Ali", "Peter Walsh", "Grace Kim"], "apologies": [], "turns": [
        (None, "The phone system went down at 9.40 on Monday and was back at 11.15.", None),
        (None, "About 300 callers heard the engaged tone and nobody knew how many gave up.", None),
        (None, "The supplier says a certificate expired on their side.", None),
        (None, "ACTION: Peter to get a written incident report from the supplier by 22 July.",
         ("A", "Peter Walsh", "2025-07-22", "get a written incident report from the supplier")),
        (None, "We should have a recorded message ready for the next outage.", None),
        (None, "DECISION: a recorded outage message goes on the main number from August.",
         ("D", "a recorded outage message goes on the main number from August")),
        (None, "ACTION: Grace to record the outage message by end of the month.",
         ("A", "Grace Kim", "2025-07-31", "record the outage message")),
        (None, "ACTION: Nadia to add certificate expiry dates to the risk log by Friday.",
         ("A", "Nadia Ali", "2025-07-18", "add certificate expiry dates to the risk log")),
        (None, "That is everything.", None)]},
    {"id": "m06_transport", "format": "vtt", "title": "Home to school transport review", "date": "2025-08-27",
     "attendees": ["Owen Morgan", "Fatima Begum", "Liam Walker"], "apologies": ["Zoe Hart"], "turns": [
        ("Owen Morgan", "Term starts next week and four routes still have no driver.", None),
        ("Fatima Begum", "Two of those routes carry children with special educational needs.", None),
        ("Liam Walker", "The taxi framework has two firms with spare vehicles.", None),
        ("Owen Morgan", "Decision: the two SEN routes are covered by framework taxis from day one.",
         ("D", "the two SEN routes are covered by framework taxis from day one")),
        ("Owen Morgan", "Action: Liam to book the framework taxis by Friday 29 August.",
         ("A", "Liam Walker", "2025-08-29", "book the framework taxis for the SEN routes")),
        ("Fatima Begum", "I'll phone the families on those routes by tomorrow.",
         ("A", "Fatima Begum", "2025-08-28", "phone the families on the SEN routes")),
        ("Owen Morgan", "The other two routes can share a minibus for a fortnight.", None),
        ("Owen Morgan", "We agreed to run a shared minibus on routes 12 and 14 for two weeks.",
         ("D", "run a shared minibus on routes 12 and 14 for two weeks")),
        ("Liam Walker", "Someone needs to tell the schools about the minibus times.", None),
        ("Owen Morgan", "Fatima, could you send the schools the new times?", None),
        ("Fatima Begum", "Yes, I'll send them the times.", ("A", "Fatima Begum", None, "send the schools the minibus times")),
        ("Owen Morgan", "Thank you.", None)]},
    {"id": "m07_community_centre", "format": "docx", "title": "Community centre steering group",
     "date": "2025-09-10", "attendees": ["Rhian Lewis", "Samuel Adeyemi", "Claire Dunn", "Tomasz Zielinski"],
     "apologies": [], "turns": [
        ("Rhian", "The roof repair quote came in at 38,000 pounds.", None),
        ("Samuel", "That is more than the reserve. We could apply to the community fund.", None),
        ("Claire", "The fund closes on 30 September.", None),
        ("Rhian", "ACTION: Samuel to draft the community fund application by 24 September.",
         ("A", "Samuel Adeyemi", "2025-09-24", "draft the community fund application")),
        ("Tomasz", "Meanwhile the hall is leaking onto the stage.", None),
        ("Rhian", "DECISION: the stage is closed until the roof is repaired.", ("D", "the stage is closed until the roof is repaired")),
        ("Claire", "I'll tell the drama group and the choir by Friday.",
         ("A", "Claire Dunn", "2025-09-12", "tell the drama group and the choir the stage is closed")),
        ("Tomasz", "Could we get a second quote for the roof?", None),
        ("Rhian", "Good idea. Tomasz, please ask two roofers for quotes.", None),
        ("Tomasz", "OK, I will.", ("A", "Tomasz Zielinski", None, "ask two roofers for quotes")),
        ("Rhian", "Next meeting in October.", None)]},
    {"id": "m08_parking", "format": "txt", "title": "Parking permit scheme review", "date": "2025-10-01",
     "attendees": ["Alan Fraser", "Bethan Rees", "Imran Hussain"], "apologies": [], "times": True, "turns": [
        ("Alan", "Permit applications doubled after the new zone on Castle Street.", None),
        ("Bethan", "The online form times out for about one in ten people.", None),
        ("Imran", "ACTION: Imran to log the form timeout with the web team by tomorrow.",
         ("A", "Imran Hussain", "2025-10-02", "log the form timeout with the web team")),
        ("Alan", "Visitors' permits are the most common complaint.", None),
        ("Bethan", "We agreed to allow visitor permits by phone for residents over 75.",
         ("D", "allow visitor permits by phone for residents over 75")),
        ("Alan", "ACTION: Bethan to brief the contact centre on phone permits by 8 October.",
         ("A", "Bethan Rees", "2025-10-08", "brief the contact centre on phone permits")),
        ("Imran", "I'll pull the complaint figures for the cabinet report by end of next week.",
         ("A", "Imran Hussain", "2025-10-10", "pull the complaint figures for the cabinet report")),
        ("Alan", "Thanks, that's all.", None)]},
]


def _long_meeting() -> dict:
    """A long committee meeting: the short meetings' business in turn, with chatter between items."""
    people = ["Catherine Blake", "David Osei", "Eleri Thomas", "Farid Haddad", "Georgia Mills"]
    chatter = ["Can everyone hear me?", "Sorry, I was on mute.", "Let's move on to the next item.",
               "I have a question about the figures in the paper.", "The numbers are in appendix B.",
               "We discussed this last quarter as well.", "Residents raised this at the ward surgery.",
               "I'd like that noted in the minutes.", "We should look at the budget impact first.",
               "There's no change from the last report."]
    turns: list = []
    base = dt.date(2025, 11, 4)
    for item in range(1, 25):
        for j in range(10):
            turns.append((people[(item + j) % 5].split()[0], f"{chatter[(item * 3 + j) % len(chatter)]} "
                          f"(item {item}, point {j + 1})", None))
        owner = people[item % 5]
        due = base + dt.timedelta(days=item + 3)
        turns.append((people[0].split()[0], f"ACTION: {owner.split()[0]} to circulate the item {item} paper by "
                      f"{due.day} {due:%B}.", ("A", owner, due.isoformat(), f"circulate the item {item} paper")))
        if item % 4 == 0:
            turns.append((people[0].split()[0], f"DECISION: item {item} is approved as set out in the paper.",
                          ("D", f"item {item} is approved as set out in the paper")))
    return {"id": "m09_long_committee", "format": "txt", "title": "Resources committee (long)",
            "date": base.isoformat(), "attendees": people, "apologies": [], "turns": turns}


def _header(meeting: dict) -> list[str]:
    date = dt.date.fromisoformat(meeting["date"])
    lines = [f"Meeting: {meeting['title']}", f"Date: {date:%A} {date.day} {date:%B %Y}",
             f"Attendees: {', '.join(meeting['attendees'])}"]
    if meeting["apologies"]:
        lines.append(f"Apologies: {', '.join(meeting['apologies'])}")
    return lines


def render(meeting: dict) -> tuple[list[str], list[list[int]]]:
    """The file's lines (paragraphs for .docx) and, per turn, the line numbers it occupies."""
    fmt = meeting["format"]
    out: list[str] = ["WEBVTT", "", "NOTE", *_header(meeting), ""] if fmt == "vtt" else [*_header(meeting), ""]
    where: list[list[int]] = []
    seconds = 5
    for speaker, text, _ in meeting["turns"]:
        parts = text.split("\n")
        if fmt == "vtt":
            stamp = f"00:{seconds // 60:02d}:{seconds % 60:02d}.000 --> 00:{(seconds + 6) // 60:02d}:{(seconds + 6) % 60:02d}.000"
            out.append(stamp)
            where.append([])
            for n, part in enumerate(parts):
                out.append(f"<v {speaker}>{part}" if n == 0 else part)
                where[-1].append(len(out))
            out.append("")
        else:
            stamp = f"[00:{seconds // 60:02d}:{seconds % 60:02d}] " if meeting.get("times") else ""
            where.append([])
            for n, part in enumerate(parts):
                label = f"{stamp}{speaker}: " if speaker and n == 0 else ""
                out.append(label + part)
                where[-1].append(len(out))
        seconds += 7
    return out, where


def reference(meeting: dict, where: list[list[int]], filename: str) -> dict:
    """The reference minutes for a meeting, from its annotations."""
    actions, decisions = [], []
    for (speaker, text, note), lines in zip(meeting["turns"], where):
        if note and note[0] == "A":
            actions.append({"owner": note[1], "due": note[2], "task": note[3], "lines": lines,
                            "marked": "action:" in text.lower()})
        elif note and note[0] == "D":
            decisions.append({"text": note[1], "lines": lines})
    return {"id": meeting["id"], "file": filename, "format": meeting["format"], "title": meeting["title"],
            "date": meeting["date"], "attendees": meeting["attendees"], "apologies": meeting["apologies"],
            "speaker_labels": any(t[0] for t in meeting["turns"]), "decisions": decisions, "actions": actions}


def write(meeting: dict) -> dict:
    """Write one transcript file; returns its reference minutes."""
    lines, where = render(meeting)
    filename = f"{meeting['id']}.{meeting['format']}"
    target = HERE / "transcripts" / filename
    target.parent.mkdir(exist_ok=True)
    if meeting["format"] == "docx":
        from docx import Document

        doc = Document()
        for line in lines:
            doc.add_paragraph(line)
        doc.core_properties.author = "fellowship-kit (synthetic)"
        doc.core_properties.created = dt.datetime(2025, 1, 1)
        doc.core_properties.modified = dt.datetime(2025, 1, 1)
        doc.save(target)
    else:
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return reference(meeting, where, filename)


def main() -> None:
    refs = [write(meeting) for meeting in [*MEETINGS, _long_meeting()]]
    with (HERE / "references.jsonl").open("w", encoding="utf-8") as out:
        for ref in refs:
            out.write(json.dumps(ref, ensure_ascii=False) + "\n")
    print(f"{len(refs)} transcripts, {sum(len(r['actions']) for r in refs)} actions, "
          f"{sum(len(r['decisions']) for r in refs)} decisions")


if __name__ == "__main__":
    main()
