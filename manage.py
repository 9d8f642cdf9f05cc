#!/usr/bin/env python
from edugov.cli import main

if __name__ == "__main__":
    main()
