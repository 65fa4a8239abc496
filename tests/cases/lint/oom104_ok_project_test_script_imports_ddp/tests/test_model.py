import unittest

from lib.dist import wrap
from lib.model import Net


class TestNet(unittest.TestCase):
    def test_builds(self):
        self.assertIsNotNone(Net())
        self.assertTrue(callable(wrap))


if __name__ == "__main__":
    unittest.main()
