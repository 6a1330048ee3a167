// MVP-SEG+: adapt to a folder of your own unlabeled images (a student learns the teacher's classes on them).
// Batch use:  ImageJ -batch adapt_to_unlabeled.ijm "input=/data/unlabeled output=/data/cells.student classes=[nucleus, membrane, background] prompts=/data/cells.prompts weights=/models/ViT-B-16.pt"
// Keys: input (folder of images), output (the student file to write), classes, prompts (the teacher; empty =
//       zero-shot teacher), template (zero-shot only), weights or model, and optionally data (a dataset folder with
//       partial labels, 255 = not annotated), unseen, iterations, teacher_steps (-1 = automatic), batch,
//       learning_rate, random_seed.
// Errors end the macro with their message, never with a dialog that waits when the macro runs headless.
function fail(message) {
	print(message);
	if (getArgument() != "") exit;
	exit(message);
}
args = getArgument();
if (args == "") {
	input = getDirectory("Folder of unlabeled images");
	Dialog.create("MVP-SEG+: Adapt to unlabeled images");
	Dialog.addString("classes", "nucleus, background", 40);
	Dialog.addString("teacher prompt set (empty: zero-shot)", "", 40);
	Dialog.addString("save the student as", input + "mvpseg.student", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addNumber("iterations", 2000);
	Dialog.show();
	args = "input=[" + input + "] classes=[" + Dialog.getString() + "] prompts=[" + Dialog.getString() + "] output=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] iterations=" + Dialog.getNumber();
}
function value(key, fallback) {
	return call("ij.Macro.getValue", args, key, fallback);
}
input = value("input", "");
output = value("output", "");
if (input == "" || output == "") fail("MVP-SEG+: give input=<folder of images> output=<student file>");
options = "unlabeled_folder=[" + input + "] data_folder=[" + value("data", "") + "] prompts=[" + value("prompts", "") + "] template=[" + value("template", "") + "] classes=[" + value("classes", "") + "] unseen=[" + value("unseen", "") + "] student_out=[" + output + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] iterations=" + value("iterations", "2000") + " teacher_steps=" + value("teacher_steps", "-1") + " batch=" + value("batch", "8") + " learning_rate=" + value("learning_rate", "0.01") + " random_seed=" + value("random_seed", "0");
run("Adapt to Unlabeled Images...", options);
if (File.exists(output)) print("MVP-SEG+: student written to " + output);
else print("MVP-SEG+: adaptation failed, see the log above");
