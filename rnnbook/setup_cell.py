"""The first code cell of every notebook that imports ``rnnbook``.

Colab (or any lone copy of a notebook) has no ``rnnbook``; this cell installs it from the course repository, at
the release the notebook was written for (``REF``, a tag or a commit), not at whatever ``main`` is today.  Locally,
inside ``.venv``, it does nothing and prints nothing.

The repository URL is the one in ``_config.yml`` (``repository.url``, which also drives the launch buttons).
``make set-repo URL=... [REF=...]`` (tools/set_repository.py) changes both places and every notebook's setup cell
at once; a test checks that they agree.
"""

REPOSITORY_URL = "https://github.com/rnn-course/rnn-course"
#: The release of the course that the notebooks were written for (a git tag; a commit SHA works too).
REF = "v2.1.0"

TEMPLATE = '''\
# Stand-alone setup (Colab, Binder): install the course's helper package if missing,
# at the release this notebook was written for.
import importlib.util
import subprocess
import sys

RNNBOOK = "git+{url}@{ref}"
if importlib.util.find_spec("rnnbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", RNNBOOK], check=True)'''

SETUP_CELL = TEMPLATE.format(url=REPOSITORY_URL, ref=REF)
