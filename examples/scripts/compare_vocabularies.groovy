#@ Img image
#@ MvpSegService mvpseg
#@ String (label = "Vocabularies (one per line: comma-separated names)", style = "text area", value = "nucleus, cytoplasm, background\nnucleus, membrane, background") vocabularies
#@ File (label = "Weights file (empty: the ViT-B/16 download)", required = false) weights
#@output String table

// Encode the image once, then segment it with several vocabularies from those features: only the first pass runs
// CLIP's image tower. The table gives, per vocabulary and class, the fraction of the image it takes.
import org.mvpseg.pipeline.SegmentRequest
import net.imglib2.view.Views

def request = { String names ->
	SegmentRequest.builder().model(weights == null ? "" : weights.path, "ViT-B/16").classes(names).build()
}
def lines = vocabularies.readLines()*.trim().findAll { it }
def encoded = mvpseg.features(image, request(lines[0]))
def rows = ["vocabulary,class,fraction,seconds,windows reused"]
lines.eachWithIndex { names, v ->
	def result = encoded.segment(request(names))
	long[] count = new long[result.classes().size()]
	Views.flatIterable(result.labels()).each { count[(int) it.getRealDouble()]++ }
	long all = count.sum()
	result.classes().eachWithIndex { name, c ->
		rows << String.format(Locale.ROOT, "%d,%s,%.4f,%.2f,%d", v + 1, name, count[c] / (double) all,
			result.seconds(), result.features().reused())
	}
}
table = rows.join("\n")
println table
