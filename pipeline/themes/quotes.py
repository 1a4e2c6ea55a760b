"""Representative quotes: the notes nearest a theme's centre, from different tables first."""

from __future__ import annotations

import numpy as np


def representative_quotes(sims: np.ndarray, groups: list[str], members: np.ndarray, n: int,
                          contacts: frozenset[int] = frozenset()) -> list[int]:
    """Indices of up to n notes nearest the theme centre, taking them from different tables first. A note in
    `contacts` (mostly a contact line, see `pipeline.text.contact_lines`) is quoted only when the theme has
    no other: what it said is gone, and a contact is not what the theme says."""
    ranked = sorted(members.tolist(), key=lambda i: (-sims[i], i))
    ranked = [i for i in ranked if i not in contacts] or ranked
    chosen: list[int] = []
    seen_groups: set[str] = set()
    for i in ranked:
        if groups[i] not in seen_groups:
            chosen.append(i)
            seen_groups.add(groups[i])
        if len(chosen) == n:
            return chosen
    chosen += [i for i in ranked if i not in chosen][: n - len(chosen)]
    return chosen


def quotes_with_pins(sims: np.ndarray, groups: list[str], members: np.ndarray, pinned: list[int], n: int,
                     contacts: frozenset[int] = frozenset()) -> list[int]:
    """Pinned notes first (all of them), then the most representative ones, n in all (at least the pins)."""
    ranked = representative_quotes(sims, groups, members, n, contacts)
    return (pinned + [i for i in ranked if i not in pinned])[: max(n, len(pinned))]
