"""``python -m neurotopic`` (also what ``torchrun -m neurotopic`` runs)."""

import sys

from .cli import main

sys.exit(main())
