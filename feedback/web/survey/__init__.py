"""The survey on the web: the citizen's pages (`routes`), the hot path for a valid answer in front of
Flask (`fast_path`), the checks both make on a posted answer (`checks`), and the admins' pages for
the questions and the flagged answers (`admin`)."""
