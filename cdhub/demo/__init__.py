"""Synthetic demo and evaluation data: four channel systems and the true entities.

`generate_demo` writes the shop, WeChat, call-center and ERP files in the shapes
of the source-format contract, plus ``truth.csv`` mapping every party source
record to the person or organisation it describes.
"""

from cdhub.demo.generator import DemoFiles, generate_demo

__all__ = ["DemoFiles", "generate_demo"]
