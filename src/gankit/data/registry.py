"""The datasets gankit knows: one `name -> spec` table with files, mirrors and hashes.

MNIST-like datasets are four IDX files (`DatasetSpec`); CIFAR-10 is one tar archive of
python-pickle batches (`CifarSpec`), read by `gankit.data.cifar` without running pickle code.

Where the pinned hashes come from:
- `gz_sha256` of MNIST: the SHA-256 that TensorFlow Datasets pins for the mirrors' .gz files
  (tensorflow_datasets/url_checksums/mnist.txt, the cvdf-datasets mirror).
- `gz_sha256` of Fashion-MNIST: the same file in TFDS (url_checksums/fashion_mnist.txt, the
  fashion-mnist S3 mirror; the GitHub copy has the same official MD5s).
- `content_sha256`: computed from the uncompressed files. MNIST from the recompressed copies
  in the project's shared data, whose uncompressed MD5s equal the canonical release's;
  Fashion-MNIST from Debian's `dataset-fashion-mnist` package, whose uncompressed MD5s equal
  those torchvision pins (f4a8712d..., 9018921c..., 8181f547..., 15d48437...).
- CIFAR-10 (`cifar-10-python.tar.gz`, 170,498,071 bytes): `gz_md5` is the MD5 its authors
  publish on https://www.cs.toronto.edu/~kriz/cifar.html (c58f3010..., also torchvision's
  `tgz_md5`); `gz_sha256` is the SHA-256 torchvision's prototype datasets pin (`Cifar10._SHA256`)
  and other projects list beside that MD5. It was not recomputed here (the archive cannot be
  downloaded on the machine gankit was written on); a download must match both.
"""

from __future__ import annotations

from dataclasses import dataclass

from gankit.data.checksum import AllChecks, Md5Check, Sha256Check


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset (an IDX file, or CIFAR-10's tar archive)."""

    name: str  # uncompressed file name; the mirrors serve `name + ".gz"`
    gz_sha256: str  # SHA-256 of the .gz file exactly as the mirrors serve it
    content_sha256: str | None = None  # SHA-256 of the uncompressed bytes (accepts any recompression); None: not pinned
    gz_md5: str | None = None  # MD5 of the .gz file as the dataset's authors publish it; when pinned it must match too

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"

    def check(self) -> Sha256Check | AllChecks:
        """The `Path -> bool` check a downloaded or found copy of this file must pass."""
        sha256 = Sha256Check(gz_sha256=self.gz_sha256, content_sha256=self.content_sha256)
        return sha256 if self.gz_md5 is None else AllChecks((sha256, Md5Check(self.gz_md5)))


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to find, fetch and verify one IDX dataset."""

    title: str  # display name for messages and reports, e.g. "MNIST"
    train_images: FileSpec  # uint8 (N, H, W)
    train_labels: FileSpec  # uint8 (N,), values in [0, len(classes))
    test_images: FileSpec
    test_labels: FileSpec
    mirrors: tuple[str, ...]  # base URLs ending in "/", tried in order
    classes: tuple[str, ...]  # class names; label k is classes[k]
    system_dirs: tuple[str, ...] = ()  # read-only folders where an OS package installs the files
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) of every image, for building models
    embedded: bool = False  # gankit itself carries the files, in gankit/data/embedded/<name>/

    @property
    def files(self) -> tuple[FileSpec, ...]:
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)

    def split_files(self, split: str) -> tuple[FileSpec, FileSpec]:
        """(images, labels) of `split`, "train" or "test"; KeyError for any other name."""
        return {
            "train": (self.train_images, self.train_labels),
            "test": (self.test_images, self.test_labels),
        }[split]


@dataclass(frozen=True)
class CifarSpec:
    """A dataset shipped as one tar archive of CIFAR-style python-pickle batches: each batch is
    a dict with b"data", uint8 (N, 3 * H * W) rows of R, G then B planes, and b"labels"."""

    title: str  # display name, e.g. "CIFAR-10"
    archive: FileSpec  # `name` is the .tar; the mirrors serve `name + ".gz"`
    folder: str  # the folder inside the archive that holds the batches
    train_batches: tuple[str, ...]  # batch file names in `folder`, concatenated in this order
    test_batches: tuple[str, ...]
    mirrors: tuple[str, ...]  # base URLs ending in "/", tried in order
    classes: tuple[str, ...]  # class names; label k is classes[k]
    system_dirs: tuple[str, ...] = ()  # read-only folders where an OS package installs the archive
    image_shape: tuple[int, int, int] = (3, 32, 32)  # (C, H, W) of every image
    embedded: bool = False  # too large (163 MB) to ship inside gankit

    @property
    def files(self) -> tuple[FileSpec, ...]:
        return (self.archive,)

    def split_members(self, split: str) -> tuple[str, ...]:
        """Archive member paths of `split`'s batches; KeyError for a split other than train/test."""
        batches = {"train": self.train_batches, "test": self.test_batches}[split]
        return tuple(f"{self.folder}/{name}" for name in batches)


SPLITS = ("train", "test")

MNIST = DatasetSpec(
    title="MNIST",
    train_images=FileSpec(
        "train-images-idx3-ubyte",
        gz_sha256="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        content_sha256="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    train_labels=FileSpec(
        "train-labels-idx1-ubyte",
        gz_sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        content_sha256="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    test_images=FileSpec(
        "t10k-images-idx3-ubyte",
        gz_sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        content_sha256="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    test_labels=FileSpec(
        "t10k-labels-idx1-ubyte",
        gz_sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        content_sha256="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    classes=tuple(str(digit) for digit in range(10)),
    embedded=True,  # the default dataset works offline, whatever the mirrors do
)

FASHION_MNIST = DatasetSpec(
    title="Fashion-MNIST",
    train_images=FileSpec(
        "train-images-idx3-ubyte",
        gz_sha256="3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        content_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    train_labels=FileSpec(
        "train-labels-idx1-ubyte",
        gz_sha256="a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        content_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    test_images=FileSpec(
        "t10k-images-idx3-ubyte",
        gz_sha256="346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        content_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    test_labels=FileSpec(
        "t10k-labels-idx1-ubyte",
        gz_sha256="67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        content_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    classes=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    # Debian/Ubuntu: `apt-get install dataset-fashion-mnist` (recompressed, so found by content).
    system_dirs=("/usr/share/datasets/fashion-mnist",),
)

CIFAR10 = CifarSpec(
    title="CIFAR-10",
    archive=FileSpec(
        "cifar-10-python.tar",
        gz_sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        gz_md5="c58f30108f718f92721af3b95e74349a",
    ),
    folder="cifar-10-batches-py",
    train_batches=tuple(f"data_batch_{i}" for i in range(1, 6)),
    test_batches=("test_batch",),
    mirrors=("https://www.cs.toronto.edu/~kriz/",),  # the authors' site, the only official source
    classes=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
)

# name -> spec; the name is what configs and the CLI use (`--data.name=fashion_mnist`).
DATASETS: dict[str, DatasetSpec | CifarSpec] = {
    "mnist": MNIST,
    "fashion_mnist": FASHION_MNIST,
    "cifar10": CIFAR10,
}
