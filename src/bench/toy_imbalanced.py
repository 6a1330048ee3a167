"""An imbalanced toy world (README › MVP-SEG+, class balance): one background class fills ~93 % of every image, small
rectangles of rarer classes on it, made from data/train's labelled regions (textures copied, never synthesised).
Usage (from the repository root): python3 src/bench/toy_imbalanced.py OUT BACKGROUND FG1,FG2,...  (numpy and zlib only)
"""
import zlib, struct, json, sys, os, numpy as np
W = "src/test/resources/fixtures/toyclip-world/data"
def read_png(p):
    b = open(p, 'rb').read(); assert b[:8] == b'\x89PNG\r\n\x1a\n'
    i = 8; idat = b''; plte = None
    while i < len(b):
        n, t = struct.unpack('>I4s', b[i:i+8]); d = b[i+8:i+8+n]; i += 12 + n
        if t == b'IHDR': w, h, depth, ct = struct.unpack('>IIBB', d[:10])
        elif t == b'IDAT': idat += d
        elif t == b'PLTE': plte = np.frombuffer(d, np.uint8).reshape(-1, 3)
    ch = {0: 1, 2: 3, 3: 1, 6: 4, 4: 2}[ct]; assert depth == 8
    raw = zlib.decompress(idat); stride = w * ch; out = np.zeros((h, stride), np.uint8); prev = np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y*(stride+1)]; line = np.frombuffer(raw[y*(stride+1)+1:(y+1)*(stride+1)], np.uint8).astype(np.int32); cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x-ch] if x >= ch else 0; up = prev[x]; c = prev[x-ch] if x >= ch else 0
            if f == 0: v = line[x]
            elif f == 1: v = line[x] + a
            elif f == 2: v = line[x] + up
            elif f == 3: v = line[x] + (a + up) // 2
            else:
                pa, pb, pc = abs(up - c), abs(a - c), abs(a + up - 2*c)
                v = line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)
            cur[x] = v & 255
        out[y] = cur; prev = cur
    img = out.reshape(h, w, ch)
    return img[..., :3] if ch >= 3 else img[..., 0]
def write_png(p, a):
    h, w = a.shape[:2]; ct = 2 if a.ndim == 3 else 0
    raw = b''.join(b'\x00' + a[y].tobytes() for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    open(p, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, ct, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
classes = open(f'{W}/train/classes.txt').read().split('\n')
OUT, BG, FG = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
vocab = [BG] + FG
# every train image's rectangles of a class, as (image, y0, y1, x0, x1): the bounding box of its pixels when full
patches = {c: [] for c in vocab}
names = sorted(os.listdir(f'{W}/train/images'))
for n in names:
    img = read_png(f'{W}/train/images/{n}'); lab = read_png(f'{W}/train/labels/{n}')
    for c in vocab:
        ys, xs = np.nonzero(lab == classes.index(c))
        if len(ys) == 0: continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        if (lab[y0:y1, x0:x1] == classes.index(c)).all() and (y1 - y0) >= 12 and (x1 - x0) >= 12:
            patches[c].append(img[y0:y1, x0:x1])
print({c: len(v) for c, v in patches.items()})
rng = np.random.default_rng(7)
def render(out, count, labelled):
    os.makedirs(f'{out}/images', exist_ok=True)
    if labelled: os.makedirs(f'{out}/labels', exist_ok=True); open(f'{out}/classes.txt', 'w').write('\n'.join(vocab) + '\n')
    shares = np.zeros(len(vocab))
    for k in range(count):
        bgp = patches[BG][rng.integers(len(patches[BG]))]
        reps = (64 // bgp.shape[0] + 1, 64 // bgp.shape[1] + 1, 1)
        img = np.tile(bgp, reps)[:64, :64].copy(); lab = np.zeros((64, 64), np.uint8)
        for _ in range(rng.integers(1, 3)):
            c = 1 + rng.integers(len(FG)); p = patches[vocab[c]][rng.integers(len(patches[vocab[c]]))]
            h = min(p.shape[0], rng.integers(10, 18)); w = min(p.shape[1], rng.integers(10, 18))
            y, x = rng.integers(0, 64 - h), rng.integers(0, 64 - w)
            img[y:y+h, x:x+w] = p[:h, :w]; lab[y:y+h, x:x+w] = c
        write_png(f'{out}/images/im_{k:03d}.png', img)
        if labelled: write_png(f'{out}/labels/im_{k:03d}.png', lab)
        shares += np.bincount(lab.ravel(), minlength=len(vocab))
    print(out, dict(zip(vocab, np.round(shares / shares.sum(), 3))))
render(f'{OUT}/unlabeled', 120, False)
render(f'{OUT}/test', 120, True)
