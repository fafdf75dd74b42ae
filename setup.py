"""Build hook: ship the repo-root stylesheet and assets inside the wheel's kiosk package."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self) -> None:
        target = Path(self.build_lib) / "kiosk"
        # An upgrade builds in the folder of the last install, and setuptools would ship build/lib's copy of a module
        # the new version removed: build the package afresh (never the source folder itself).
        if target.resolve() != (ROOT / "kiosk").resolve():
            shutil.rmtree(target, ignore_errors=True)
        super().run()
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "kiosk.tcss", target / "kiosk.tcss")
        shutil.copytree(ROOT / "assets", target / "assets", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithResources})
