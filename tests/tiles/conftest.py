from tests.images.helpers import data_dir

__all__ = ["data_dir"]
