"""The first code cell of every notebook that imports ``rnnbook``.

Colab (or any lone copy of a notebook) has no ``rnnbook``; this cell installs it
from the course repository.  Locally, inside ``.venv``, it does nothing and prints
nothing.  The repository URL is the one in ``_config.yml`` (a test checks it).
"""

SETUP_CELL = '''\
# Stand-alone setup (Colab, Binder): installs the course's helper package if it is missing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("rnnbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/rnn-course/rnn-course"], check=True)'''
