package org.mvpseg.features;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An image's features in memory (Fiji, the script service): kept between runs on the same image, so a second run
 * with other names reuses them. Each run takes its own {@link #run() view}, which counts what that run reused.
 */
public final class MemoryFeatures {

	private record Entry(long digest, FeatureStore.WindowFeatures features) {}

	private final Map<Integer, Entry> windows = new ConcurrentHashMap<>();
	private final AtomicLong bytes = new AtomicLong();
	private volatile long limit = Long.MAX_VALUE;

	/** Windows beyond {@code bytes} are not kept (a run still computes them, the next one again). */
	public void limit(long bytes) {
		this.limit = bytes;
	}

	/** Bytes held. */
	public long bytes() {
		return bytes.get();
	}

	/** Windows held. */
	public int windows() {
		return windows.size();
	}

	/** A store for one run over these features. */
	public FeatureStore run() {
		AtomicInteger reused = new AtomicInteger(), computed = new AtomicInteger();
		Map<Integer, Entry> checked = new ConcurrentHashMap<>(); // what has() saw, whatever another run puts meanwhile
		return new FeatureStore() {
			@Override
			public boolean has(int index, long digest, boolean keys) {
				Entry e = windows.get(index);
				boolean ok = e != null && e.digest() == digest && (!keys || e.features().keys() != null);
				if (ok) checked.put(index, e);
				return ok;
			}

			@Override
			public WindowFeatures get(int index) {
				reused.incrementAndGet();
				return checked.remove(index).features();
			}

			@Override
			public void put(int index, long digest, WindowFeatures f) {
				computed.incrementAndGet();
				Entry old = windows.get(index);
				if (bytes.get() + f.bytes() - (old == null ? 0 : old.features().bytes()) > limit) return; // full
				old = windows.put(index, new Entry(digest, f));
				bytes.addAndGet(f.bytes() - (old == null ? 0 : old.features().bytes()));
			}

			@Override
			public Stats stats() {
				return new Stats(reused.get(), computed.get(), null);
			}
		};
	}
}
