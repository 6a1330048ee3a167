// MVP-SEG: segment the current image by class names.
// Batch use:  ImageJ -batch segment_current_image.ijm "input=/path/image.tif output=/path/out classes=[nucleus, background] weights=/path/ViT-B-16.pt"
// Keys: input (optional when an image is open), output (folder; optional), classes, weights or model, student (optional),
//       prompts (a trained prompt set; optional). Values with spaces go in [brackets].
args = getArgument();
if (args == "") {
	Dialog.create("MVP-SEG: Segment current image");
	Dialog.addString("classes", "nucleus, cytoplasm, background", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addString("prompts (optional)", "", 40);
	Dialog.show();
	args = "classes=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] prompts=[" + Dialog.getString() + "]";
}
function value(key, fallback) {
	v = call("ij.Macro.getValue", args, key, fallback);
	return v;
}
input = value("input", "");
output = value("output", "");
if (input != "") open(input);
if (nImages == 0) exit("MVP-SEG: no image; give input=/path/to/image");
title = getTitle();
options = "classes=[" + value("classes", "nucleus, background") + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] prompts=[" + value("prompts", "") + "] student=[" + value("student", "") + "] show_labels show_probabilities add_rois show_table";
run("Segment by Name...", options);
print("MVP-SEG: " + roiManager("count") + " ROI(s) in the ROI Manager");
if (output != "") {
	File.makeDirectory(output);
	base = File.getNameWithoutExtension(title);
	selectImage(File.getNameWithoutExtension(title) + "-labels");
	saveAs("Tiff", output + File.separator + base + ".labels.tif");
	selectImage(File.getNameWithoutExtension(title) + "-probabilities");
	saveAs("Tiff", output + File.separator + base + ".probabilities.tif");
	selectWindow("MVP-SEG Results");
	saveAs("Results", output + File.separator + base + ".results.csv");
}
