"""govreports: an archive of Chinese government work reports (政府工作报告), crawled from official portals."""
__version__ = "0.2.0"
