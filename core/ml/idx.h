#pragma once

#include "core/ml/dataset.h"
#include "core/ml/mlresult.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace millrace::ml {

/// The contents of one IDX file (the MNIST / Fashion-MNIST format) of unsigned bytes: its
/// dimensions, outermost first, and its elements in row-major order.
struct IdxArray
{
    std::vector<std::uint32_t> dimensions;
    std::vector<std::uint8_t> data;
};

/// Whether writeIdxFile compresses what it writes.
enum class IdxCompression { None, Gzip };

/// Parses the bytes of an IDX file of unsigned bytes, gzip-compressed or not (told apart by
/// the gzip magic bytes). Checks the magic number, the element type, the dimension count and
/// sizes, and that the data fills exactly what the header declares. `sourceName` (usually the
/// path) starts every error message.
Result<IdxArray> parseIdx(std::span<const std::uint8_t> bytes, std::string_view sourceName);

/// Reads and parses an IDX file as parseIdx does.
Result<IdxArray> readIdxFile(const std::string &path);

/// Writes `array` as an IDX file of unsigned bytes, replacing `path` atomically (written to a
/// temporary file beside it, flushed, then renamed).
Result<void> writeIdxFile(const std::string &path, const IdxArray &array,
                          IdxCompression compression);

/// Reads an image file (3 dimensions: count, rows, columns) and its label file (1 dimension)
/// into a classification dataset of sample shape {rows, columns}, pixels scaled from 0..255 to
/// [0, 1]. Fails when the counts differ or a label is not below `classCount`.
Result<Dataset> readIdxImageDataset(const std::string &imagesPath, const std::string &labelsPath,
                                    std::int64_t classCount);

/// Where Debian's dataset-fashion-mnist package puts the Fashion-MNIST files.
std::string fashionMnistDefaultDirectory();

/// The ten Fashion-MNIST class names, in label order ("T-shirt/top", "Trouser", ...).
std::vector<std::string> fashionMnistClassNames();

/// Which of the two Fashion-MNIST file pairs to read.
enum class FashionMnistPart { Train, Test };

/// Reads train-*-ubyte.gz or t10k-*-ubyte.gz from `directory` into a 10-class dataset with the
/// class names set.
Result<Dataset> readFashionMnist(const std::string &directory, FashionMnistPart part);

} // namespace millrace::ml
