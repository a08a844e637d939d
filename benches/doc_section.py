"""Writing a benchmark's results into docs/benchmarks.md: each harness owns one section
between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, replaced in place on every run (or
appended the first time), so the harnesses never overwrite each other's tables."""

import os


def replace_section(path, begin, end, body):
    """Puts `body` between the markers `begin` and `end` of the markdown file `path`."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    block = f"{begin}\n{body}{end}"
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        _, post = rest.split(end, 1)
        text = pre + block + post
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
