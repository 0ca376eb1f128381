"""The words a report says when no story names them (a run always has a story; a report built by hand may not)."""

GENERIC = {"status": "holder", "statuses": "holders", "before": "candidate", "befores": "candidates", "entity": "entity",
           "entities": "entities", "whole": "the whole", "group": "group", "groups": "groups", "measure": "population"}
