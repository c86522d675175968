"""Rules that find people's names: titles, salutations, sign-offs, and known first names and surnames.

No language model is needed (the embedded model is too small to tag names reliably, and a spaCy model
would have to be downloaded). A name found once is then found everywhere else in the same text, so
"Mrs Okafor ... Okafor said" is caught twice. Spans hold the name only, never the title ("Mrs").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kit.redaction.rules import Found

FIRST_NAMES = frozenset("""
Aaliyah Aaron Abbie Abdul Abdullah Abigail Adam Adebayo Adele Adrian Agnieszka Ahmed Aidan Aisha Alan Alex
Alexander Alexandra Alfie Ali Alice Alicia Alison Amanda Amara Amelia Amir Amit Amy Andrea Andrew Andrzej
Angela Anil Anita Ann Anna Anne Annie Anthony Anya Archie Arjun Arthur Asha Ashley Austin Ava Ayesha Barbara
Barry Beata Ben Benjamin Bethan Beth Bethany Beverley Bilal Brandon Brenda Brian Bronwen Callum Cameron Carl
Carol Caroline Carys Catherine Cerys Charlie Charlotte Chidi Chloe Chris Christine Christopher Ciaran Claire
Clare Colin Connor Craig Daniel Daniela Danielle Darren David Dawid Dean Deborah Declan Deepa Denise Dennis
Derek Dylan Eddie Edward Eileen Eleanor Elena Eli Elizabeth Ella Ellie Eloise Emeka Emily Emma Eric Erin Ethan
Eve Evie Ewa Fatima Fiona Finley Francesca Freddie Freya Gail Gareth Gary Gavin Gemma Geoffrey George
Gerald Gillian Glenys Gordon Graham Gurpreet Gwen Habib Hamza Hannah Harjit Harriet Harry Harvey Hassan Hayley
Heather Helen Henry Hollie Hussein Ian Ibrahim Idris Imogen Imran Iqbal Isaac Isabel Isabella Isla Ivan
Jack Jacob Jade Jakub James Jamie Jane Janet Jasmine Jason Javed Jayden Jean Jennifer Jenny Jeremy Jessica
Joan Joanna Joanne Joe Joel John Jonathan Joseph Josh Joshua Joyce Judith Julia Julie Justin Kai Kamala Karen
Karim Kate Katarzyna Katie Kayleigh Keith Kelly Kenneth Kerry Kevin Khadija Kieran Kirsty Krzysztof Kwame
Laila Lauren Laura Leah Lee Leila Leo Leon Lewis Liam Linda Lisa Logan Lola Louise Lucy Luke Lydia Lynne
Maciej Maisie Malcolm Mandeep Manon Marek Margaret Maria Marian Marie Marta Martin Mary Mason Matthew Maya
Megan Mehmet Melanie Michael Michelle Mohammed Mohammad Mohamed Molly Muhammad Nadia Naomi Nasreen Natalie
Nathan Neil Nia Nicholas Nicola Niamh Nigel Noah Nora Oliver Olivia Omar Oscar Owen Paige Pamela Patricia
Patrick Paul Paula Pauline Peter Phillip Philip Piotr Priya Rachel Rahul Rajesh Rana Rebecca Reece
Rhiannon Rhys Richard Rita Robert Robyn Rosie Ross Rowan Rukhsana Ruth Ryan Sabrina Sadia Sally Sam
Samantha Samir Samuel Sandra Sanjay Sara Sarah Scott Sean Shabana Shaun Sharon Sheila Shirley Siân Sian Simon
Siobhan Sophie Stacey Stanley Stephanie Stephen Steven Stuart Sunita Susan Suzanne Tanya Tariq Teresa Theo
Thomas Tiffany Timothy Tina Tom Tomasz Toby Tracey Tyler Valerie Vanessa Victor Vikram Vincent Wendy William
Yasmin Yusuf Zainab Zara Zoe Zofia
""".split())

# First names that are also everyday words or places: a name only with a surname or title beside them.
AMBIGUOUS = frozenset("""
April Art August Autumn Bill Bob Chelsea Dawn Faith Frank Grace Hope India Ivy Jordan June Mark May Miles
Pat Penny Ray Jan Eve Holly Amber Ruby Poppy Lily Rob Rose Sky Summer Sunny Victoria Will Florence Georgia Paris
""".split())

SURNAMES = frozenset("""
Abara Adeyemi Ahmed Akhtar Ali Allen Anderson Armstrong Atkinson Bailey Baker Banerjee Barker Bell Bennett
Begum Bhatt Bibi Bowen Boyle Brennan Brooks Brown Burns Butler Campbell Carter Chapman Chen Chowdhury Clarke
Collins Cook Cooper Cox Davies Davis Dixon Doherty Edwards Ellis Evans Fisher Fletcher Foster Fraser Gallagher
Gill Graham Grant Gray Griffiths Hall Harris Harrison Hassan Hughes Hussain Iqbal Jackson James Jenkins Johnson
Jones Kaur Kelly Kennedy Khan Kowalski Kowalska Lewis Lloyd MacDonald McDonald McLean Malik Marshall Martin
Mason Matthews Miller Mitchell Moore Morgan Morris Murphy Murray Nowak Nwosu Obi Okafor Okonkwo O'Brien
O'Connor O'Neill Owen Parker Patel Pearson Phillips Powell Price Pritchard Qureshi Rahman Reid Rees Reynolds
Richards Roberts Robinson Rogers Ross Russell Scott Shah Sharma Simpson Singh Smith Stewart Sullivan Taylor
Thomas Thompson Thomson Turner Walker Walsh Ward Watson White Wilkinson Williams Wilson Wiśniewski Wood
Wright Young Zielinski
""".split())

# Surnames that are also everyday words: a name after a title or first name, not after any capitalised word.
WORDLIKE = frozenset("Hall Wood Ward Young White Brown Gray Grant Price Cook Bell Hill King Park Bailey Baker".split())

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Lady", "Lord", "Rev",
          "Revd", "Reverend", "Cllr", "Councillor")
# Capitalised words that follow a first name without being part of it ("Florence Road", "Grace Church").
NOT_NAME = frozenset("""
Road Street Lane Avenue Close Drive Way Crescent Place Court Gardens Terrace Grove Hill Park Row Walk Square
House Hall Centre Center Hospital School College University Council Church Station Surgery Practice Ward
Team Services Service Department Trust Library Bridge Estate Tower Primary Academy Clinic Housing The
And Or Of On In At For To From With Sir Madam Resident Customer Colleague Colleagues All Team Friend Friends
Parent Parents Carer Carers Tenant Tenants Applicant Occupier Householder Member Members Manager Officer
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
September October November December NHS Universal Credit Benefit Tax Please Thank Thanks Dear Yours Regards
""".split())

_WORD = r"(?:(?:Mc|Mac|O')?[A-Z][a-zà-ÿłśńżźćęąó]+(?:-[A-Z][a-zà-ÿłśńżźćęąó]+)?)"
_INITIAL = r"(?:[A-Z]\.?)"
TITLE_NAME = re.compile(
    rf"\b(?:{'|'.join(TITLES)})\.?\s+((?:{_INITIAL}\s+|{_WORD}\s+){{0,2}}{_WORD})\b"
)
DEAR = re.compile(rf"\bDear\s+((?:{_WORD}\s+){{0,2}}{_WORD})\s*[,\n]")
SIGN_OFF = re.compile(
    r"(?:Yours\s+(?:sincerely|faithfully|truly)|(?:Kind|Best|Warm|Many)\s+(?:regards|wishes|thanks)|Regards"
    r"|Thanks|Thank you|Best|Cheers)\s*,?\s*\n\s*"
    rf"((?:{_WORD}\s+){{0,2}}{_WORD})[ \t]*(?=\n|$|,)"
)
_ROLES = ("name|client|claimant|tenant|patient|caller|payee|account holder|beneficiary|applicant|officer|worker"
          "|next of kin|carer")
_ROLES_CAPITAL = "|".join(role.capitalize() for role in _ROLES.split("|"))
# "my name is X", "signed, X", "the caller X", "Client: X"; but not "Patient Transport" or "Carer Support".
CUED = re.compile(
    rf"(?:\b(?:[Mm]y name is|[Ss]igned|[Ss]poke (?:to|with))\s*[:,]?|\b(?:{_ROLES})\s*[:,]?|\b(?:{_ROLES_CAPITAL})\s*[:,])"
    rf"[ \t]*((?:{_WORD}\s+){{0,2}}{_WORD})\b"
)
_FIRST_ALT = "|".join(sorted(FIRST_NAMES | AMBIGUOUS, key=len, reverse=True))
KNOWN_FIRST = re.compile(rf"\b(?:{_FIRST_ALT})\b(?:\s+{_INITIAL}(?=\s))?(?:\s+{_WORD}){{0,2}}")
KNOWN_LAST = re.compile(
    rf"\b(?:{_WORD}|{_INITIAL})\s+(?:{'|'.join(sorted(SURNAMES, key=len, reverse=True))})\b"
)


def _trim(words: list[str], keep: int = 0) -> list[str]:
    """Drop trailing words that are not part of a name ("Sarah Monday" -> "Sarah"), keeping ``keep`` words."""
    while len(words) > keep and words[-1].rstrip(".") in NOT_NAME:
        words.pop()
    return words


def _span_of_words(text: str, start: int, words: list[str]) -> tuple[int, int]:
    end = start
    for word in words:
        end = text.index(word, end) + len(word)
    return start, end


def _from_group(text: str, match: re.Match, after_title: bool) -> Found | None:
    words = match.group(1).split()
    if words and words[0] in TITLES:
        return None  # "Dear Mrs Jones": the title rule finds the name
    words = _trim(words, keep=1 if after_title else 0)  # after a title even "Hall" is a name
    if not words or (words[0] in NOT_NAME and not after_title):
        return None
    start, end = _span_of_words(text, match.start(1), words)
    return Found("NAME", start, end)


def _from_known(text: str) -> Iterator[Found]:
    """A known first name with the capitalised words after it, or a capitalised word before a known surname."""
    for m in KNOWN_FIRST.finditer(text):
        words = m.group(0).split()
        if len(words) > 1 and words[1].rstrip(".") in NOT_NAME:
            continue  # "Florence Road", "Grace Church"
        words = _trim(words)
        if words and (words[0] in FIRST_NAMES or len(words) > 1):
            yield Found("NAME", *_span_of_words(text, m.start(), words))
    for m in KNOWN_LAST.finditer(text):
        first, last = m.group(0).split()
        following = text[m.end():m.end() + 20].split()[:1]
        if (first.rstrip(".") not in NOT_NAME and first not in TITLES and last not in WORDLIKE
                and not (following and following[0].strip(".,;:") in NOT_NAME)):
            yield Found("NAME", m.start(), m.end())


def find_names(text: str) -> list[Found]:
    """Every name in ``text`` found by the rules, then every other occurrence of the words in those names."""
    found: list[Found] = []
    for rule in (TITLE_NAME, DEAR, SIGN_OFF, CUED):
        for match in rule.finditer(text):
            hit = _from_group(text, match, rule is TITLE_NAME)
            if hit is not None:
                found.append(hit)
    found.extend(_from_known(text))
    words = {w for f in found for w in text[f.start:f.end].split() if len(w.rstrip(".")) > 2}
    words -= NOT_NAME | AMBIGUOUS
    if words:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")
        found.extend(Found("NAME", m.start(), m.end()) for m in pattern.finditer(text))
    return found
