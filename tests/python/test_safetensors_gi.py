# SPDX-License-Identifier: MIT
"""Safetensors files through gi: Dz.Safetensors.save / load against files
read and written per the format's spec, independently of dezero-glib.

The spec (https://github.com/huggingface/safetensors): a little-endian u64
header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
optional "__metadata__" of strings, then the data, which the tensors must
tile exactly. When the `safetensors` package is installed its own reader
and writer are checked too; otherwise struct + json + NumPy do it by hand.
"""

import json
import struct

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_by_hand(path):
    """Parses a safetensors file, checking what the spec requires."""
    with open(path, "rb") as f:
        contents = f.read()
    (n,) = struct.unpack("<Q", contents[:8])
    header = json.loads(contents[8 : 8 + n].decode("utf-8"))
    data = contents[8 + n :]
    metadata = header.pop("__metadata__", None)
    spans = sorted((info["data_offsets"], name) for name, info in header.items())
    end = 0
    for (begin, stop), name in spans:
        assert begin == end, f"{name} does not follow the previous tensor"
        end = stop
    assert end == len(data)
    tensors = {}
    for name, info in header.items():
        begin, stop = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data[begin:stop], dtype=dtype).reshape(info["shape"])
    return n, list(header), tensors, metadata


def write_by_hand(path, tensors, metadata=None):
    """Writes as safetensors' own writer does: tensors sorted by dtype
    alignment then name, header padded with spaces to 8 bytes."""
    names = {np.dtype(t).name: k for k, t in DTYPES.items()}
    order = sorted(tensors, key=lambda k: (-tensors[k].dtype.alignment, k))
    header, offset, blobs = {}, 0, []
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        blob = np.ascontiguousarray(tensors[name]).astype(tensors[name].dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": names[tensors[name].dtype.name],
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def sample_tensors():
    rng = np.random.default_rng(0)
    return {
        "l1.W": rng.standard_normal((3, 4)).astype(np.float32),
        "l1.b": np.zeros(4, np.float32),
        "scale": np.array(2.5),
        "steps": np.array([-1, 0, 2**60], np.int64),
        "empty": np.zeros((0, 3), np.float64),
    }


def test_save_is_read_by_spec(tmp_path):
    path = str(tmp_path / "dz.safetensors")
    tensors = sample_tensors()
    names = list(tensors)
    arrays = [Dz.Array.from_numpy(t) for t in tensors.values()]
    Dz.Safetensors.save(path, names, arrays, {"format": "pt"})

    n, header_names, read, metadata = read_by_hand(path)
    assert n % 8 == 0
    assert header_names == names
    assert metadata == {"format": "pt"}
    for name, t in tensors.items():
        assert read[name].dtype == t.dtype and read[name].shape == t.shape
        np.testing.assert_array_equal(read[name], t)


def test_load_reads_a_reference_file(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Linear(5, 3)
    tensors = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    tensors["labels"] = torch.arange(-3, 4, dtype=torch.int64).numpy()
    tensors["w64"] = torch.randn(2, 2, dtype=torch.float64).numpy()
    path = str(tmp_path / "torch.safetensors")
    write_by_hand(path, tensors, {"format": "pt"})

    f = Dz.Safetensors.load(path)
    assert sorted(f.get_names()) == sorted(tensors)
    assert f.get_metadata() == {"format": "pt"}
    for name, t in tensors.items():
        a = f.get_array(name)
        assert a.numpy().dtype == t.dtype
        np.testing.assert_array_equal(a.numpy(), t)
    del f, a


def test_round_trip_keeps_arrays_after_close(tmp_path):
    path = str(tmp_path / "w.safetensors")
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    Dz.Safetensors.save(path, ["w"], [Dz.Array.from_numpy(w)], None)
    a = Dz.Safetensors.load(path).get_array("w")
    np.testing.assert_array_equal(a.numpy(), w)
    del a


def test_bad_file_raises(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(GLib.Error) as info:
        Dz.Safetensors.load(str(path))
    assert info.value.matches(Dz.error_quark(), Dz.Error.INVALID_FILE)
    assert "more than" in info.value.message


def test_missing_tensor_raises(tmp_path):
    path = str(tmp_path / "w.safetensors")
    Dz.Safetensors.save(path, [], [], None)
    f = Dz.Safetensors.load(path)
    assert f.get_names() == []
    assert not f.contains("w")
    with pytest.raises(GLib.Error) as info:
        f.get_array("w")
    assert info.value.matches(Dz.error_quark(), Dz.Error.INVALID_ARGUMENT)


def test_with_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    tensors = sample_tensors()
    ours, theirs = str(tmp_path / "ours.safetensors"), str(tmp_path / "theirs.safetensors")
    Dz.Safetensors.save(ours, list(tensors), [Dz.Array.from_numpy(t) for t in tensors.values()], None)
    for name, t in st.load_file(ours).items():
        np.testing.assert_array_equal(t, tensors[name])
    st.save_file(tensors, theirs)
    f = Dz.Safetensors.load(theirs)
    for name, t in tensors.items():
        np.testing.assert_array_equal(f.get_array(name).numpy(), t)
