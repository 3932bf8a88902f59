import Testing
import AEData

@Suite struct DatasetFormatTests {
    @Test("file names imply formats, with or without .gz", arguments: [
        ("train-images-idx3-ubyte.gz", DatasetFormat.idx),
        ("fashion-mnist/t10k-labels-idx1-ubyte", .idx),
        ("train-images.idx3-ubyte", .idx),
        ("digits.idx", .idx),
        ("x.npy", .npy),
        ("x.npy.gz", .npy),
        ("data/X.CSV", .csv),
        ("vectors.json.gz", .json),
    ])
    func namesImplyFormats(name: String, format: DatasetFormat) {
        #expect(DatasetFormat.infer(from: name) == format)
    }

    @Test("unknown names imply no format", arguments: ["x.txt", "x.gz", "ubyte", "idx3-ubyte", "x.npz", ""])
    func unknownNamesImplyNothing(name: String) {
        #expect(DatasetFormat.infer(from: name) == nil)
    }
}
