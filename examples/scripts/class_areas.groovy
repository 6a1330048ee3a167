#@ Img labels
#@ String (label = "Class names, in label order", value = "nucleus, cytoplasm, background") classes
#@ Double (label = "Pixel size", value = 1.0) pixelSize
#@ String (label = "Unit", value = "pixel") unit
#@output String table

// Hands MVP-SEG's label image to plain ImgLib2: one pass of a cursor counts each class's pixels; the table gives
// pixels, fraction and calibrated area per class (a results table in Fiji, CSV text here).
import net.imglib2.view.Views

def names = classes.split(",")*.trim()
long[] counts = new long[names.size()]
long total = 0
for (def t : Views.flatIterable(labels)) {
	counts[(int) t.getRealDouble()]++
	total++
}
def rows = ["class,pixels,fraction,area (${unit}^2)"]
names.eachWithIndex { n, k ->
	rows << String.format(Locale.ROOT, "%s,%d,%.4f,%.4f", n, counts[k], counts[k] / (double) total,
		counts[k] * pixelSize * pixelSize)
}
table = rows.join("\n")
println table
