"""Build hook: ship the repo-root stylesheet and assets inside the wheel's kiosk package."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "kiosk"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "kiosk.tcss", target / "kiosk.tcss")
        shutil.copytree(ROOT / "assets", target / "assets", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithResources})
