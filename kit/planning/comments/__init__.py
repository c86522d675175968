"""Consultation comments: stance and themes per comment, theme counts with majority and minority views, quotes.

Modules: analyse (read_comments, analyse_comments), applications (analyse_by_application, a table per
application beside the labels), lexicon (the default themes and word lists), model (the model's reading of one
comment), result (CommentAnalysis), evaluate (scores on the labelled synthetic set).
"""

from __future__ import annotations

from kit.planning.comments.analyse import COMMENT_THEMES, analyse_comments, read_comments
from kit.planning.comments.applications import analyse_by_application
from kit.planning.comments.lexicon import Theme
from kit.planning.comments.result import CommentAnalysis

__all__ = ["COMMENT_THEMES", "CommentAnalysis", "Theme", "analyse_by_application", "analyse_comments", "read_comments"]
