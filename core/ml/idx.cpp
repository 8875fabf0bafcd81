#include "core/ml/idx.h"

#include "core/ml/fileio.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <limits>
#include <optional>

namespace millrace::ml {

namespace {

constexpr std::uint8_t unsignedByteType = 0x08;
constexpr std::size_t magicSize = 4;

std::string hexByte(std::uint8_t value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", value);
    return text;
}

std::string elementTypeName(std::uint8_t type)
{
    switch (type) {
    case 0x08:
        return "unsigned byte";
    case 0x09:
        return "signed byte";
    case 0x0B:
        return "16-bit integer";
    case 0x0C:
        return "32-bit integer";
    case 0x0D:
        return "32-bit float";
    case 0x0E:
        return "64-bit float";
    default:
        return "unknown type";
    }
}

bool isGzip(std::span<const std::uint8_t> bytes)
{
    return bytes.size() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
}

std::uint32_t readBigEndian32(const std::uint8_t *bytes)
{
    return (std::uint32_t(bytes[0]) << 24) | (std::uint32_t(bytes[1]) << 16)
           | (std::uint32_t(bytes[2]) << 8) | std::uint32_t(bytes[3]);
}

// Product of the dimensions, saturating instead of overflowing: a corrupt header may declare
// 255 dimensions of 4 billion each, and must then read as "truncated", not wrap to a small size.
std::uint64_t elementCount(const std::vector<std::uint32_t> &dimensions)
{
    std::uint64_t count = 1;
    for (const std::uint32_t dimension : dimensions) {
        if (dimension != 0 && count > std::numeric_limits<std::uint64_t>::max() / dimension)
            return std::numeric_limits<std::uint64_t>::max();
        count *= dimension;
    }
    return count;
}

std::string dimensionsText(const std::vector<std::uint32_t> &dimensions)
{
    std::string text;
    for (std::size_t i = 0; i < dimensions.size(); ++i) {
        if (i > 0)
            text += " x ";
        text += std::to_string(dimensions[i]);
    }
    return text;
}

// The whole file size the header at the start of `prefix` declares, once enough of it is there
// to tell. A header that is already wrong declares just its magic number: the parser then
// reports what is wrong with it, and decompression need not go on.
std::optional<std::uint64_t> declaredFileSize(std::span<const std::uint8_t> prefix)
{
    if (prefix.size() < magicSize)
        return std::nullopt;
    if (prefix[0] != 0 || prefix[1] != 0 || prefix[2] != unsignedByteType || prefix[3] == 0)
        return magicSize;
    const std::size_t headerSize = magicSize + 4 * std::size_t(prefix[3]);
    if (prefix.size() < headerSize)
        return std::nullopt;
    std::vector<std::uint32_t> dimensions;
    for (std::size_t offset = magicSize; offset < headerSize; offset += 4)
        dimensions.push_back(readBigEndian32(prefix.data() + offset));
    const std::uint64_t count = elementCount(dimensions);
    if (count > std::numeric_limits<std::uint64_t>::max() - headerSize)
        return std::numeric_limits<std::uint64_t>::max();
    return headerSize + count;
}

// Inflates a gzip file (one or more members, as gzip(1) allows), stopping as soon as the output
// is longer than its IDX header declares: a corrupt or hostile file then costs no more memory
// than a valid one of the declared size.
Result<std::vector<std::uint8_t>> gunzip(std::span<const std::uint8_t> bytes,
                                         const std::string &name)
{
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        return fail(name + ": cannot start gzip decompression");
    struct StreamEnd
    {
        z_stream *stream;
        ~StreamEnd() { inflateEnd(stream); }
    } streamEnd{&stream};

    std::vector<std::uint8_t> output;
    // The gzip trailer holds the uncompressed size modulo 4 GiB: a good first guess only.
    if (bytes.size() >= 18) {
        const std::uint8_t *trailer = bytes.data() + bytes.size() - 4;
        const std::uint32_t hint = std::uint32_t(trailer[0]) | (std::uint32_t(trailer[1]) << 8)
                                   | (std::uint32_t(trailer[2]) << 16)
                                   | (std::uint32_t(trailer[3]) << 24);
        output.reserve(std::min<std::size_t>(hint, std::size_t(256) << 20));
    }

    // zlib counts input in 32-bit units; an IDX file compressed to 4 GiB is not a real case.
    if (bytes.size() > UINT_MAX)
        return fail(name + ": too large (" + std::to_string(bytes.size()) + " bytes)");
    stream.next_in = const_cast<Bytef *>(bytes.data());
    stream.avail_in = static_cast<uInt>(bytes.size());

    std::optional<std::uint64_t> limit;
    constexpr std::size_t chunkSize = std::size_t(1) << 20;
    for (;;) {
        const std::size_t before = output.size();
        output.resize(before + chunkSize);
        stream.next_out = output.data() + before;
        stream.avail_out = static_cast<uInt>(chunkSize);
        const int status = inflate(&stream, Z_NO_FLUSH);
        output.resize(before + chunkSize - stream.avail_out);

        if (!limit)
            limit = declaredFileSize(output);
        if (limit && output.size() > *limit)
            return output; // longer than declared: the parser names the trailing bytes

        if (status == Z_STREAM_END) {
            if (stream.avail_in == 0)
                return output;
            // Another gzip member may follow (files joined with cat); anything else is damage.
            if (stream.avail_in >= 2 && stream.next_in[0] == 0x1F && stream.next_in[1] == 0x8B) {
                inflateReset(&stream);
                continue;
            }
            return fail(name + ": " + std::to_string(stream.avail_in)
                        + " bytes that are not gzip data follow the compressed stream");
        }
        if (status == Z_OK)
            continue;
        if (status == Z_BUF_ERROR && stream.avail_in == 0)
            return fail(name + ": gzip stream is truncated (the file ends before its end marker)");
        if (status == Z_DATA_ERROR)
            return fail(name + ": corrupt gzip data (" + (stream.msg ? stream.msg : "no detail")
                        + ")");
        if (status == Z_MEM_ERROR)
            return fail(name + ": out of memory while decompressing");
        return fail(name + ": gzip decompression failed (zlib status " + std::to_string(status)
                    + ")");
    }
}

Result<IdxArray> parsePlainIdx(std::span<const std::uint8_t> bytes, const std::string &name,
                               bool decompressed)
{
    const std::string what = decompressed ? "decompressed data" : "file";
    if (bytes.size() < magicSize)
        return fail(name + ": too short for an IDX file (" + what + " has "
                    + std::to_string(bytes.size()) + " bytes; the magic number alone takes 4)");
    if (bytes[0] != 0 || bytes[1] != 0)
        return fail(name + ": not an IDX file (magic number starts with " + hexByte(bytes[0]) + " "
                    + hexByte(bytes[1]) + ", expected 0x00 0x00)");
    const std::uint8_t type = bytes[2];
    if (type != unsignedByteType)
        return fail(name + ": element type " + hexByte(type) + " (" + elementTypeName(type)
                    + ") is not supported; expected 0x08 (unsigned byte)");
    const std::size_t dimensionCount = bytes[3];
    if (dimensionCount == 0)
        return fail(name + ": header declares 0 dimensions");
    const std::size_t headerSize = magicSize + 4 * dimensionCount;
    if (bytes.size() < headerSize)
        return fail(name + ": truncated header (declares " + std::to_string(dimensionCount)
                    + " dimensions, needing " + std::to_string(headerSize) + " header bytes; "
                    + what + " has " + std::to_string(bytes.size()) + ")");

    IdxArray array;
    for (std::size_t offset = magicSize; offset < headerSize; offset += 4)
        array.dimensions.push_back(readBigEndian32(bytes.data() + offset));
    const std::uint64_t declared = elementCount(array.dimensions);
    const std::uint64_t present = bytes.size() - headerSize;
    if (present < declared)
        return fail(name + ": truncated (header declares " + dimensionsText(array.dimensions)
                    + " = " + std::to_string(declared) + " data bytes, " + what + " has "
                    + std::to_string(present) + ")");
    if (present > declared)
        return fail(name + ": trailing bytes after the " + std::to_string(declared)
                    + " data bytes its header declares (" + dimensionsText(array.dimensions) + "; "
                    + what + " has "
                    + (decompressed ? std::string("more") : std::to_string(present)) + ")");
    array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(headerSize), bytes.end());
    return array;
}

Result<std::vector<std::uint8_t>> gzipCompress(std::span<const std::uint8_t> bytes,
                                               const std::string &name)
{
    if (bytes.size() > UINT_MAX)
        return fail(name + ": too large to compress in one piece");
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY)
        != Z_OK)
        return fail(name + ": cannot start gzip compression");
    std::vector<std::uint8_t> output(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32);
    stream.next_in = const_cast<Bytef *>(bytes.data());
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = output.data();
    stream.avail_out = static_cast<uInt>(output.size());
    const int status = deflate(&stream, Z_FINISH);
    output.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return fail(name + ": gzip compression failed (zlib status " + std::to_string(status)
                    + ")");
    return output;
}

} // namespace

Result<IdxArray> parseIdx(std::span<const std::uint8_t> bytes, std::string_view sourceName)
{
    const std::string name(sourceName);
    if (!isGzip(bytes))
        return parsePlainIdx(bytes, name, false);
    Result<std::vector<std::uint8_t>> inflated = gunzip(bytes, name);
    if (!inflated)
        return inflated.error();
    return parsePlainIdx(*inflated, name, true);
}

Result<IdxArray> readIdxFile(const std::string &path)
{
    Result<std::vector<std::uint8_t>> bytes = readFileBytes(path);
    if (!bytes)
        return bytes.error();
    return parseIdx(*bytes, path);
}

Result<void> writeIdxFile(const std::string &path, const IdxArray &array,
                          IdxCompression compression)
{
    if (array.dimensions.empty() || array.dimensions.size() > 255)
        return fail(path + ": an IDX file has 1 to 255 dimensions, not "
                    + std::to_string(array.dimensions.size()));
    if (elementCount(array.dimensions) != array.data.size())
        return fail(path + ": dimensions " + dimensionsText(array.dimensions) + " do not match the "
                    + std::to_string(array.data.size()) + " data bytes");
    std::vector<std::uint8_t> bytes = {0, 0, unsignedByteType,
                                       static_cast<std::uint8_t>(array.dimensions.size())};
    for (const std::uint32_t dimension : array.dimensions) {
        for (const int shift : {24, 16, 8, 0})
            bytes.push_back(static_cast<std::uint8_t>(dimension >> shift));
    }
    bytes.insert(bytes.end(), array.data.begin(), array.data.end());
    if (compression == IdxCompression::None)
        return writeFileAtomically(path, bytes);
    Result<std::vector<std::uint8_t>> compressed = gzipCompress(bytes, path);
    if (!compressed)
        return compressed.error();
    return writeFileAtomically(path, *compressed);
}

Result<Dataset> readIdxImageDataset(const std::string &imagesPath, const std::string &labelsPath,
                                    std::int64_t classCount)
{
    if (classCount <= 0 || classCount > 256)
        return fail("class count " + std::to_string(classCount)
                    + " is outside 1..256 (labels are single bytes)");
    Result<IdxArray> images = readIdxFile(imagesPath);
    if (!images)
        return images.error();
    const std::vector<std::uint32_t> &imageDims = images->dimensions;
    if (imageDims.size() != 3)
        return fail(imagesPath + ": images need 3 dimensions (count, rows, columns), the file has "
                    + std::to_string(imageDims.size()));
    if (imageDims[0] == 0)
        return fail(imagesPath + ": contains no images");
    if (imageDims[1] == 0 || imageDims[2] == 0)
        return fail(imagesPath + ": images of " + std::to_string(imageDims[1]) + " x "
                    + std::to_string(imageDims[2]) + " pixels are empty");

    Result<IdxArray> labels = readIdxFile(labelsPath);
    if (!labels)
        return labels.error();
    if (labels->dimensions.size() != 1)
        return fail(labelsPath + ": labels need 1 dimension (count), the file has "
                    + std::to_string(labels->dimensions.size()));
    if (labels->dimensions[0] != imageDims[0])
        return fail(imagesPath + " has " + std::to_string(imageDims[0]) + " images but "
                    + labelsPath + " has " + std::to_string(labels->dimensions[0]) + " labels");
    for (std::size_t i = 0; i < labels->data.size(); ++i) {
        if (labels->data[i] >= classCount)
            return fail(labelsPath + ": label " + std::to_string(labels->data[i]) + " at index "
                        + std::to_string(i) + " is outside 0.." + std::to_string(classCount - 1));
    }

    Dataset dataset;
    dataset.sampleShape = {std::int64_t(imageDims[1]), std::int64_t(imageDims[2])};
    dataset.task = TaskKind::Classification;
    dataset.classCount = classCount;
    std::array<float, 256> scaled;
    for (std::size_t value = 0; value < scaled.size(); ++value)
        scaled[value] = static_cast<float>(value) / 255.0f;
    dataset.features.resize(images->data.size());
    std::transform(images->data.begin(), images->data.end(), dataset.features.begin(),
                   [&scaled](std::uint8_t pixel) { return scaled[pixel]; });
    dataset.classLabels.assign(labels->data.begin(), labels->data.end());
    return dataset;
}

std::string fashionMnistDefaultDirectory()
{
    return "/usr/share/datasets/fashion-mnist";
}

std::vector<std::string> fashionMnistClassNames()
{
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

Result<Dataset> readFashionMnist(const std::string &directory, FashionMnistPart part)
{
    const std::string prefix =
        directory + "/" + (part == FashionMnistPart::Train ? "train" : "t10k");
    Result<Dataset> dataset =
        readIdxImageDataset(prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz", 10);
    if (dataset)
        dataset->classNames = fashionMnistClassNames();
    return dataset;
}

} // namespace millrace::ml
