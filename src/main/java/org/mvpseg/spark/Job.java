package org.mvpseg.spark;

import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.pipeline.SegmentRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.List;

/**
 * What the driver made of the command line, once: the request, where and what to write, the images, the tiles of huge
 * images, and where to run. Every path in it is absolute (executors run in folders of their own). This record, not
 * the command line, is what reaches the executors (broadcast), so no executor parses options. It names no Spark class:
 * the subcommand builds it where Spark is not loaded.
 *
 * @param images the images, absolute
 * @param tile the largest core of a tiled image (0: no tiling)
 * @param partitions tasks asked for (0: automatic, {@link SegmentJob#partitions})
 * @param master Spark's master, or null for Spark's default (spark-submit's)
 * @param key what decides the segmentation, as text: names the staged tiles a re-run may reuse and each task
 *          thread's prepared pipeline
 */
public record Job(SegmentRequest request, FileSegmentation.Target target, List<String> images, int tile,
	int partitions, String master, String key) implements Serializable
{
	public Job {
		images = List.copyOf(images);
	}

	/** The job with its key: a SHA-256 of the serialised request and objects (whatever shapes the staged tiles). */
	public static Job of(SegmentRequest request, FileSegmentation.Target target, List<String> images, int tile,
		int partitions, String master)
	{
		Object[] shaping = { request, target.objects() };
		byte[] d;
		try {
			d = java.security.MessageDigest.getInstance("SHA-256").digest(serialise(shaping));
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e); // every Java has SHA-256
		}
		return new Job(request, target, images, tile, partitions, master, java.util.HexFormat.of().formatHex(d));
	}

	/** The job serialised, to hand to the driver in Spark's own class loader ({@link #read}). */
	public byte[] bytes() {
		return serialise(this);
	}

	/** A job serialised by {@link #bytes}, read with this class's class loader (Spark's, from the jar). */
	public static Job read(byte[] bytes) throws IOException {
		try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
			@Override
			protected Class<?> resolveClass(ObjectStreamClass c) throws IOException, ClassNotFoundException {
				try {
					return Class.forName(c.getName(), false, Job.class.getClassLoader());
				}
				catch (ClassNotFoundException e) {
					return super.resolveClass(c); // a primitive type's descriptor
				}
			}
		}) {
			return (Job) in.readObject();
		}
		catch (ClassNotFoundException e) {
			throw new IOException(e);
		}
	}

	private static byte[] serialise(Object o) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (ObjectOutputStream out = new ObjectOutputStream(b)) {
			out.writeObject(o);
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e); // in memory: only a component that is not Serializable
		}
		return b.toByteArray();
	}
}
