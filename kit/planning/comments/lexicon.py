"""Word lists for consultation comments: the default themes, a stance lexicon, sentences and quotes.

The lexicon is the baseline the model is measured against, and the hybrid method's first resort: an
explicit cue ("I object", "I support") settles the stance, and a theme's keywords find the sentence
to quote. It was written by the same project that wrote the synthetic comments, so its scores on
them are optimistic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kit import grounding


@dataclass(frozen=True)
class Theme:
    """A theme comments can raise: an id, the name people read, a description, and keywords (lexicon)."""

    id: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()


THEMES: tuple[Theme, ...] = (
    Theme("traffic", "Traffic and parking", "road safety, congestion, access, parking, deliveries, buses",
          ("traffic", "parking", "park ", "cars", "car park", "road", "junction", "lorr", "highway", "bus ",
           "pavement", "delivery", "deliveries", "taxis", "refuse lorry", "drive", "lane is")),
    Theme("housing", "Housing need", "homes people need, affordability, first homes, downsizing, rent",
          ("homes", "housing", "afford", "flats", "rent", "buy", "first home", "downsiz", "second homes",
           "waiting list", "households")),
    Theme("design", "Design and character", "height, scale, materials, layout, how it looks, character",
          ("design", "storey", "tall", "height", "materials", "brick", "cladding", "layout", "character",
           "density", "elevation", "dormer", "looks", "architect", "box", "roof")),
    Theme("heritage", "Heritage", "registered and historic buildings, conservation area, interiors",
          ("heritage", "registered", "historic", "conservation area", "chapel", "stained glass", "victorian",
           "gallery", "church", "sandstone", "interior", "worship", "railings")),
    Theme("nature", "Wildlife and trees", "bats, birds, hedgerows, trees, habitats, ecology",
          ("bats", "bat ", "owls", "birds", "skylark", "hedgerow", "hedge", "trees", "oaks", "ecology",
           "wildlife", "otters", "wetland", "nest")),
    Theme("flooding", "Flooding and drainage", "flood risk, surface water, sewage, drainage",
          ("flood", "drainage", "surface water", "sewage", "run-off", "soakaway", "attenuation", "stream")),
    Theme("services", "Schools, doctors and services", "school places, GP, infrastructure",
          ("school", "gp ", "doctor", "surgery", "infrastructure", "patients")),
    Theme("noise", "Noise and anti-social behaviour", "noise, late opening, music, drinking, disorder",
          ("noise", "noisy", "loud", "music", "shout", "1am", "sleep", "anti-social", "disorder", "drunk",
           "closing time", "late", "wake")),
    Theme("amenity", "Privacy and light", "overlooking, privacy, loss of light, shadow, smells, lights",
          ("privacy", "overlook", "look directly", "looks straight", "look straight", "light", "shadow",
           "sun", "windows of", "smell", "balcon", "terrace")),
    Theme("economy", "Local economy and jobs", "jobs, tourism, trade for shops and businesses",
          ("jobs", "employ", "work for", "tourism", "tourists", "visitors", "trade", "shop", "footfall",
           "business", "economy", "investment", "apprentices", "money")),
)

# Theme names that hide what comments say; refused as given themes and never made by discovery.
CATCH_ALL = frozenset({"other", "others", "general", "misc", "miscellaneous", "various", "comments", "concerns",
                       "issues", "general concerns", "other issues", "other comments", "mixed"})

_OBJECT = re.compile(r"\b(i|we) (strongly |also |would )?(object|oppose)|\bobject(ion)? to\b|\bunacceptable\b|"
                     r"\bshould be refused\b|\bplease refuse\b|\bi am against\b|\bwrong place\b|\bno place\b|"
                     r"\bruin(s|ed)?\b|\bdoes not need another\b", re.I)
_SUPPORT = re.compile(r"\b(i|we) (fully |strongly |also )?(support|welcome|back)\b|\bin favour\b|"
                      r"\bplease approve\b|\byes please\b|\bfully support\b|\bsupports? this\b|\bwell done\b|"
                      r"\bexactly what\b|\bwe need (homes|housing)\b|\bwelcome it\b|\bsupport it\b", re.I)
_NEUTRAL = re.compile(r"\?|\bno (objection|view)\b|\bdo not object in principle\b|\bi do not object\b", re.I)
# Weaker signs, for the lexicon baseline only (the hybrid method asks the model instead).
_NEGATIVE = re.compile(r"\b(dangerous|worse|damage|destroy|lose|loss|lost|harm|block|ruin|too (tall|high|big|bright)|"
                       r"impossible|unrealistic|problem|overlook|wrong|dwarf|hide|strip|shadow|no room|no parking|"
                       r"not wide|not acceptable|already (bad|a problem|at capacity|full|impossible)|worried|hurt|"
                       r"out of place|nothing to do with|constant|forever|wake|ruined)\b", re.I)
_POSITIVE = re.compile(r"\b(need|welcome|good|help|benefit|beautiful|elegant|save|sensible|well designed|"
                       r"bring (people|life|money|work)|jobs|better|would love|back into use|striking)\b", re.I)
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[\"')\]]*|$)")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
STOPWORDS = frozenset(
    "the and for are but not you all any can had her was one our out day get has him his how man new now old see "
    "two way who boy did its let put say she too use that with have this will your from they know want been good "
    "much some time very when come here just like long make many more only over such take than them well were "
    "what would there their which about could other these after again also even most must only should being "
    "where while every already because into onto upon does done doing each ever then those through under until "
    "within without please think application applicant plans plan proposal proposed development scheme site "
    "building people local area residents resident place places need needs support object objection comment "
    "comments concern concerns issue issues general thing things year years lot lots".split())


def sentences(text: str) -> list[str]:
    """The comment's sentences, each exactly as written (stripped of surrounding space)."""
    found = [match.group(0).strip() for match in _SENTENCE.finditer(text)]
    return [sentence for sentence in found if sentence] or ([text.strip()] if text.strip() else [])


def stance(text: str) -> str | None:
    """The stance an explicit cue settles ("support", "object", "neutral"), or None when there is no clear cue."""
    objects, supports = bool(_OBJECT.search(text)), bool(_SUPPORT.search(text))
    if objects != supports:
        return "object" if objects else "support"
    if not objects and _NEUTRAL.search(text):
        return "neutral"
    return None


def lean(text: str) -> str:
    """The lexicon baseline's stance: an explicit cue, else the balance of negative and positive words."""
    settled = stance(text)
    if settled is not None:
        return settled
    balance = len(_POSITIVE.findall(text)) - len(_NEGATIVE.findall(text))
    return "support" if balance > 0 else "object" if balance < 0 else "neutral"


def keyword_hits(theme: Theme, text: str) -> int:
    """How many of the theme's keywords (or, with none, the words of its name) occur in ``text``."""
    low = f" {text.lower()} "
    words = theme.keywords or tuple(w for w in _WORD.findall(theme.name.lower()) if w not in STOPWORDS)
    return sum(1 for word in words if _pattern(word).search(low))


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern:
    """A keyword matches at the start of a word ("afford" in "affordable", "late" not in "slate")."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(keyword))


def themes(text: str, vocabulary: Iterable[Theme]) -> list[str]:
    """The ids of the themes whose keywords occur in ``text``, most hits first."""
    scored = [(keyword_hits(theme, text), theme.id) for theme in vocabulary]
    return [theme_id for hits, theme_id in sorted(scored, key=lambda pair: -pair[0]) if hits]


def best_sentence(theme: Theme, text: str) -> str | None:
    """The sentence of ``text`` with the most keyword hits for ``theme``; None when none has any."""
    scored = [(keyword_hits(theme, sentence), -i, sentence) for i, sentence in enumerate(sentences(text))]
    hits, _, sentence = max(scored, default=(0, 0, None))
    return sentence if hits else None


def closest_sentence(theme: Theme, text: str) -> str | None:
    """The sentence sharing most content words with the theme's name and description (ties: the first)."""
    wanted = set(content_words(f"{theme.name} {theme.description}"))
    scored = [(len(wanted & set(content_words(s))), -i, s) for i, s in enumerate(sentences(text))]
    return max(scored, default=(0, 0, None))[2]


def content_words(text: str) -> list[str]:
    """Lower-case content words of ``text`` (no stop words), folded to a crude singular."""
    return [_singular(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def _singular(word: str) -> str:
    word = word.strip("'-")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def verified(quote: str | None, text: str) -> grounding.Span | None:
    """The located span when ``quote`` is evidence in ``text`` (kit.grounding.check_evidence), else None."""
    return grounding.check_evidence(quote, text).span if quote else None
