package org.mvpseg.objects;

import java.util.ArrayDeque;
import java.util.List;

/** An obviously correct connected-component labelling of a whole label image, for tests to compare with. */
public final class ReferenceLabelling {

	private ReferenceLabelling() {}

	/**
	 * The reference: a breadth-first flood fill from each unvisited pixel of a chosen class, in raster order, so ids
	 * follow the raster order of each object's first pixel.
	 */
	public static int[] floodFill(int[] labels, int w, int h, boolean[] split, boolean eight) {
		int[] ids = new int[w * h];
		int next = 0;
		for (int start = 0; start < w * h; start++) {
			if (ids[start] != 0 || !split[labels[start]]) continue;
			ids[start] = ++next;
			ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(start));
			while (!todo.isEmpty()) {
				int p = todo.poll(), px = p % w, py = p / w;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++) {
						if (dx == 0 && dy == 0 || !eight && dx != 0 && dy != 0) continue;
						int qx = px + dx, qy = py + dy, q = qy * w + qx;
						if (qx < 0 || qy < 0 || qx >= w || qy >= h || ids[q] != 0 || labels[q] != labels[p]) continue;
						ids[q] = next;
						todo.add(q);
					}
			}
		}
		return ids;
	}

}
