#@ File (label = "Folder of images", style = "directory") folder
#@ File (label = "Folder for label images", style = "directory") output
#@ String (label = "Class names", value = "nucleus, background") classes
#@ File (label = "Weights file (empty: the ViT-B/16 download)", required = false) weights
#@ MvpSegService mvpseg

// Every image of a folder segmented by class names; each label image saved as NAME.labels.tif (value n = the
// n-th name) with the names in its Info. The model is loaded once for the whole folder.
import ij.IJ
import ij.ImagePlus
import ij.process.ByteProcessor
import net.imglib2.img.array.ArrayImgs
import net.imglib2.view.Views
import org.mvpseg.pipeline.SegmentRequest

def request = SegmentRequest.builder().model(weights == null ? "" : weights.path, "ViT-B/16").classes(classes).build()

/** An ImagePlus as ImgLib2: RGB as XYC 8-bit, grey as XY of its own type (copied). */
def toImg(ImagePlus imp) {
	int w = imp.getWidth(), h = imp.getHeight()
	if (imp.getType() == ImagePlus.COLOR_RGB) {
		int[] rgb = (int[]) imp.getProcessor().pixels
		byte[] px = new byte[w * h * 3]
		for (int i = 0; i < w * h; i++) for (int c = 0; c < 3; c++) px[c * w * h + i] = (byte) (rgb[i] >> (16 - 8 * c))
		return ArrayImgs.unsignedBytes(px, w, h, 3)
	}
	def p = imp.getProcessor().pixels
	if (p instanceof byte[]) return ArrayImgs.unsignedBytes((byte[]) p, w, h)
	if (p instanceof short[]) return ArrayImgs.unsignedShorts((short[]) p, w, h)
	return ArrayImgs.floats((float[]) imp.getProcessor().convertToFloat().pixels, w, h)
}

int done = 0
folder.listFiles().sort().each { f ->
	if (!(f.name.toLowerCase() ==~ /.*\.(tif|tiff|png|jpg|jpeg)$/)) return
	def imp = IJ.openImage(f.path)
	if (imp == null) { println "MVP-SEG: skipped ${f.name} (not an image)"; return }
	def result = mvpseg.segment(toImg(imp), request)
	def bp = new ByteProcessor(imp.getWidth(), imp.getHeight())
	int i = 0
	for (def t : Views.flatIterable(result.labels())) bp.set(i++, (int) t.getRealDouble())
	def labels = new ImagePlus(f.name.replaceAll(/\.[^.]*$/, "") + "-labels", bp)
	labels.setProperty("Info", result.classes().withIndex().collect { n, k -> "${k} = ${n}" }.join("\n"))
	IJ.saveAsTiff(labels, new File(output, f.name.replaceAll(/\.[^.]*$/, "") + ".labels.tif").path)
	println String.format("MVP-SEG: %s in %.1f s", f.name, result.seconds())
	done++
}
println "MVP-SEG: ${done} image(s) segmented into ${output}"
