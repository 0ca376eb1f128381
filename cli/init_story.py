"""``factcheck init DIR``: a minimal working story to start from, with comments that teach the format.

Three made-up districts join a league in two waves; two sources agree on it. ``factcheck check DIR``
passes on it; change a number in a fact file and it fails at that line.
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    "factcheck.yaml": """\
# A story: what the fact files are about. `factcheck schema story` prints this file's JSON Schema.
story: The League of Districts
about: Three districts join the League in two waves, a made-up example to replace with yours.

# The registry: one row per entity, with a unique code and an official name. Names in fact files
# resolve to these names (or to the aliases below) and to nothing else.
entities:
  file: entities.csv
  code: code
  name: name
  group: region                         # optional: what entities are grouped by
  measures:                             # optional: figures population claims are compared with
    - {column: population_2020, as_of: 2020-04-01, basis: resident}
  source: made up for this example (say where your table comes from)

aliases: aliases.csv                    # optional: other names (common: silent; variant: a warning)

# The words reports say, and the codes fact files use: a count of `measure: member` is a number of
# members; `new_member` those a wave adds; `candidate` those not yet members.
vocabulary:
  status: {code: member, singular: member, plural: members}
  before: {code: candidate, singular: candidate, plural: candidates}
  entity: {singular: district, plural: districts}
  whole: the League
  group: {singular: region, plural: regions}

rules: rules.yaml
facts: sources                          # the fact files, one per source
texts: texts                            # the source texts the evidence quotes are checked against
""",
    "entities.csv": """\
code,name,region,population_2020
D1,Northvale,North,120000
D2,Southmere,South,85000
D3,Eastwick,East,64000
""",
    "aliases.csv": """\
code,alias,kind
D2,South Mere,common
""",
    "rules.yaml": """\
# The rules the story is checked with: a code of your choosing, a rule kind (`factcheck rules` lists
# them with their parameters), the highest severity it may report, and what it checks.
rules:
  - {code: TOT01, kind: running_totals, severity: error, description: Waves add up to every stated total.}
  - {code: UNI01, kind: unique_designation, severity: error, description: No district joins twice.}
  - {code: POP01, kind: population_agreement, severity: error, description: Populations agree with the registry and each other.}
  - {code: LST01, kind: list_counts, severity: error, description: Counts beside lists match the lists.}
  - {code: NAM01, kind: names_resolve, severity: error, description: Every name resolves to the registry.}
  - {code: STA01, kind: status_timeline, severity: error, description: A status as of a date agrees with when districts joined.}
  - {code: QUO01, kind: quote_fidelity, severity: error, description: A speaker on one occasion is quoted in the same words.}
  - {code: EVI01, kind: evidence, severity: error, description: Every quote occurs in its source text at its line.}
  - {code: DAT01, kind: source_dates, severity: error, description: No source reports events after it was published.}
""",
    "sources/herald-2020.yaml": """\
# One fact file per source: the `source` block, then the claims read from its text. Every claim
# quotes the exact words of the text (`evidence.quote`) and the line they start on.
source:
  id: herald-2020
  title: Northvale is the first to join the League
  publisher: The Example Herald
  kind: news                            # news | official
  text_file: herald-2020.txt            # in the story's texts folder
  published: 2020-01-15
claims:
  - id: northvale-joins
    kind: designation                   # an entity gains the status in a wave (the month it was announced)
    subject: Northvale
    wave: 2020-01
    evidence: {line: 3, quote: "Northvale became the first member of the League"}
  - id: one-member
    kind: count
    measure: member                     # the vocabulary's status code: members after the wave
    subject: members after the first wave
    value: first                        # values are read as written: "3", "about 120,000", "the first"
    wave: 2020-01
    evidence: {line: 3, quote: "Northvale became the first member of the League"}
  - id: northvale-people
    kind: population
    scope: area
    subject: Northvale
    value: about 120,000
    basis: resident
    as_of: 2020-04-01
    evidence: {line: 4, quote: "its about 120,000 residents"}
""",
    "sources/gazette-2021.yaml": """\
source:
  id: gazette-2021
  title: Two more districts join
  publisher: The Example Gazette
  kind: news
  text_file: gazette-2021.txt
  published: 2021-06-10
claims:
  - id: two-join
    kind: list
    title: The two new members are
    means: designation                  # being on the list means joining in this wave
    wave: 2021-06
    items:
      - {subject: South Mere, line: 4}  # an alias of Southmere (aliases.csv)
      - {subject: Eastwick, line: 5}
    evidence: {line: 3, quote: "The two new members are"}
  - id: new-two
    kind: count
    measure: new_member
    subject: districts joining in June 2021
    value: two
    wave: 2021-06
    list: two-join
    evidence: {line: 3, quote: "The two new members are"}
  - id: total-three
    kind: count
    measure: member
    subject: members after the June 2021 wave
    value: "3"
    wave: 2021-06
    evidence: {line: 6, quote: "The League now has 3 members"}
""",
    "texts/herald-2020.txt": """\
Northvale is the first to join the League

Northvale became the first member of the League on Monday.
The council welcomed its about 120,000 residents to the League.
""",
    "texts/gazette-2021.txt": """\
Two more districts join

The two new members are:
South Mere
Eastwick
The League now has 3 members, and every district is in it.
""",
}


def write_story(folder: Path) -> list[Path]:
    """Write the example story into ``folder`` (created if need be); refuses to overwrite anything."""
    targets = [folder / name for name in FILES]
    clash = [t for t in targets if t.exists() or t.is_symlink()]
    if clash:
        raise FileExistsError(f"{clash[0]} exists: factcheck init writes only into a folder without these files")
    for target, text in zip(targets, FILES.values()):
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as out:
            out.write(text)
    return targets
