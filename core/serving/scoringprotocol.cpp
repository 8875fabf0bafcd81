#include "core/serving/scoringprotocol.h"

#include "core/base/result.h"
#include "core/serving/csvreader.h"
#include "core/serving/jsontree.h"
#include "core/serving/pythonjson.h"

#include <QHash>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

using namespace Qt::StringLiterals;

// Messages are built with one multi-argument QString::arg() call each, never a chain: a chain
// would substitute later arguments into placeholders that a column name from the request
// brought in ("%1").

namespace millrace::serving {

namespace {

using Kind = JsonTree::Kind;

constexpr QByteArrayView kJsonType = "application/json";
constexpr QByteArrayView kCsvType = "text/csv";
constexpr QByteArrayView kDataframeSplit = "dataframe_split";
constexpr QByteArrayView kDataframeRecords = "dataframe_records";
constexpr QByteArrayView kInstances = "instances";
constexpr QByteArrayView kInputs = "inputs";
constexpr QByteArrayView kParams = "params";

// MLflow's REQUIRED_INPUT_FORMAT, with the fields in a fixed order (MLflow prints a Python set).
const QString kRequiredInputFormat =
    u"The input must be a JSON dictionary with exactly one of the input fields "
    u"{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"_s;

// Longest text of a request value quoted back in a message.
constexpr qsizetype kShownLength = 40;

// --- errors and their words ---------------------------------------------------------------------

Error badRequest(const QString &message)
{
    return fail(QString::fromLatin1(kBadRequest), message);
}

Error invalidValue(const QString &message)
{
    return fail(QString::fromLatin1(kInvalidParameterValue), message);
}

ScoringError toScoringError(const Error &error)
{
    return ScoringError{400, QByteArrayLiteral("application/json"),
                        errorJson(error.code, error.message)};
}

ScoringError unsupportedMediaType(const QString &message)
{
    // Starlette adds the charset to MLflow's text/plain.
    return ScoringError{415, QByteArrayLiteral("text/plain; charset=utf-8"), message.toUtf8()};
}

QString number(qint64 value)
{
    return QString::number(value);
}

// Python's repr of a list of strings: ['a', 'b'].
QString pythonList(const QStringList &items)
{
    QString text = u"["_s;
    for (qsizetype i = 0; i < items.size(); ++i)
        text += (i > 0 ? u", '"_s : u"'"_s) + items[i] + u"'"_s;
    return text + u"]"_s;
}

QString pythonList(const std::vector<QString> &items)
{
    return pythonList(QStringList(items.begin(), items.end()));
}

QString shapeText(const std::vector<qint64> &shape)
{
    if (shape.empty())
        return u"a single number"_s;
    QStringList dimensions;
    for (const qint64 dimension : shape)
        dimensions.append(number(dimension));
    return dimensions.join(u" x "_s);
}

QString shownText(QByteArrayView text)
{
    if (text.size() > kShownLength)
        return QString::fromUtf8(text.first(kShownLength)) + u"..."_s;
    return QString::fromUtf8(text);
}

// --- Content-Type -------------------------------------------------------------------------------

enum class MediaType { Json, Csv };

QString contentTypesText()
{
    return u"This predictor only supports the following content types: Types: ['text/csv', "
           u"'application/json']."_s;
}

// The media type of a Content-Type header, refused as MLflow refuses it: its parameters split
// at ';' and '=' without trimming around '=', the charset compared without case, the last of a
// repeated parameter winning, the media type compared exactly.
std::variant<MediaType, ScoringError> mediaType(QByteArrayView contentType)
{
    if (contentType.trimmed().isEmpty())
        return unsupportedMediaType(u"The request has no Content-Type. "_s + contentTypesText());
    std::vector<QByteArrayView> parts;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= contentType.size(); ++i) {
        if (i == contentType.size() || contentType[i] == ';') {
            parts.push_back(contentType.sliced(start, i - start).trimmed());
            start = i + 1;
        }
    }
    QByteArrayView charset = "utf-8";
    QStringList unexpected;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const QByteArrayView pair = parts[i];
        qsizetype equals = 0;
        while (equals < pair.size() && pair[equals] != '=')
            ++equals;
        const QByteArrayView key = pair.first(equals);
        const QByteArrayView value = equals < pair.size() ? pair.sliced(equals + 1) : pair.last(0);
        if (key == "charset") {
            charset = value;
        } else {
            const QString name = QString::fromLatin1(key);
            if (!unexpected.contains(name))
                unexpected.append(name);
        }
    }
    if (charset.toByteArray().toLower() != "utf-8")
        return unsupportedMediaType(u"The scoring server only supports UTF-8"_s);
    if (!unexpected.isEmpty())
        return unsupportedMediaType(u"Unrecognized content type parameters: "_s
                                    + unexpected.join(u", "_s) + u"."_s);
    if (parts.front() == kJsonType)
        return MediaType::Json;
    if (parts.front() == kCsvType)
        return MediaType::Csv;
    return unsupportedMediaType(contentTypesText() + u" Got '"_s + QString::fromLatin1(contentType)
                                + u"'."_s);
}

// --- numbers ------------------------------------------------------------------------------------

// A finite double as the float32 a model takes, rounded to nearest as numpy rounds it; false
// when it rounds to infinity: from halfway between FLT_MAX and 2^128 up.
bool narrowToFloat(double value, float &out)
{
    constexpr double kFirstInfinite = 0x1.ffffffp127; // 2^128 - 2^103
    if (!(std::fabs(value) < kFirstInfinite))
        return false;
    out = float(value);
    return true;
}

// A number in CSV text, as pandas reads a float column: spaces around it and a leading '+'
// allowed. Empty when it reads, else what is wrong with it.
QString csvFloat(QByteArrayView text, float &out)
{
    QByteArrayView literal = text.trimmed();
    if (literal.isEmpty())
        return u"the cell is empty"_s;
    if (literal.size() > 1 && literal[0] == '+' && literal[1] != '-' && literal[1] != '+')
        literal = literal.sliced(1);
    double value = 0;
    const char *last = literal.data() + literal.size();
    const auto [end, error] = std::from_chars(literal.data(), last, value);
    const QString shown = u"'"_s + shownText(text) + u"'"_s;
    if (error == std::errc::result_out_of_range)
        return shown + u" is out of float32 range"_s;
    if (error != std::errc() || end != last)
        return shown + u" is not a number"_s;
    if (!std::isfinite(value))
        return shown + u" is not a finite number"_s;
    if (!narrowToFloat(value, out))
        return shown + u" is out of float32 range"_s;
    return QString();
}

// --- where a value sits in the request ----------------------------------------------------------

// A row's place for messages: prefix[row]suffix ("inputs[3]", "dataframe_records[2].input",
// "inputs.age[0]"), or a CSV line and column; then any indices inside a sample.
struct Location
{
    QString prefix;
    qint64 row = 0;
    QString suffix;
    bool csvLine = false;

    QString text(const std::vector<qint64> &inner = {}) const
    {
        QString result = csvLine ? u"line "_s + number(row) + u", column '"_s + suffix + u"'"_s
                                 : prefix + u"["_s + number(row) + u"]"_s + suffix;
        for (const qint64 index : inner)
            result += u"["_s + number(index) + u"]"_s;
        return result;
    }
};

// Rows of cells taken from the request, before the spec picks its columns: dataframe_split's
// data, records, {column: [values]}, or CSV lines.
struct Frame
{
    /// Column names in the order first seen; `named` false for dataframe_split without
    /// "columns", whose cells are matched by position.
    std::vector<QString> names;
    bool named = true;
    qint64 rows = 0;
    qsizetype width = 0;
    /// JSON frames: the node of each cell, row-major, -1 where a record lacks the column.
    std::vector<qint32> nodes;
    /// Records keep only the cells of columns the model can use (records may each name other
    /// keys, and a table of every key seen would grow as rows x keys): the place of each column
    /// in a row of `nodes`, -1 for one not kept. Empty when every column is kept, in order.
    std::vector<qsizetype> kept;
    qsizetype keptWidth = 0;
    /// CSV frames: the cells.
    const CsvCells *csv = nullptr;
    std::function<Location(qint64 row, qsizetype column)> location;

    qsizetype columnIndex(const QString &name) const
    {
        const auto found = std::find(names.begin(), names.end(), name);
        return found == names.end() ? -1 : qsizetype(found - names.begin());
    }
    qsizetype nameCount(const QString &name) const
    {
        return std::count(names.begin(), names.end(), name);
    }
    /// A JSON frame's node at (row, column), or -1.
    qint32 node(qint64 row, qsizetype column) const
    {
        const qsizetype at = kept.empty() ? column : kept[std::size_t(column)];
        const qsizetype rowWidth = kept.empty() ? width : keptWidth;
        return at < 0 ? -1 : nodes[std::size_t(row * rowWidth + at)];
    }
    QString where(qint64 row, qsizetype column) const { return location(row, column).text(); }
};

// --- the reader ---------------------------------------------------------------------------------

// Reads one request into a batch for a spec; the first problem found ends the reading.
class RequestReader
{
public:
    RequestReader(const InputSpec &spec, qint64 maxRows, ScoringBatch &batch)
        : m_spec(spec), m_maxRows(maxRows), m_batch(batch), m_sampleSize(spec.sampleSize())
    {
        m_batch.layout = spec.kind == InputSpec::Kind::Tensor ? PredictionsLayout::Columns
                                                              : PredictionsLayout::Records;
    }

    Result<void> readJson(QByteArrayView body);
    Result<void> readCsv(QByteArrayView body);

private:
    const InputSpec &m_spec;
    qint64 m_maxRows;
    ScoringBatch &m_batch;
    qint64 m_sampleSize;
    const JsonTree *m_tree = nullptr;
    // Indices inside the sample being read, for messages.
    std::vector<qint64> m_inner;

    bool isTensor() const { return m_spec.kind == InputSpec::Kind::Tensor; }
    const JsonTree::Node &node(qsizetype index) const { return m_tree->node(index); }
    QString kindOf(qsizetype index) const { return JsonTree::kindName(node(index).kind); }

    Result<void> checkRowCount(qint64 rows, const QString &where) const;
    Result<void> readParams(qsizetype root);
    Result<void> readFormat(QByteArrayView format, qsizetype value);
    Result<void> fromFrame(const Result<Frame> &frame, const QString &source);

    // Tensors
    void startSamples(qint64 rows, qint64 bound);
    float *sampleSlot(qint64 row);
    Result<void> readSamples(qsizetype list, const QString &where);
    Result<void> readSample(qsizetype index, const Location &location, float *out);
    Result<void> readNested(qsizetype index, std::size_t dimension, const Location &location,
                            float *&out);
    Result<void> readFlat(qsizetype index, const Location &location, float *out);
    bool readNumber(qsizetype index, float &out) const;
    QString numberProblem(qsizetype index) const;
    Result<void> tensorFromFrame(const Frame &frame, const QString &source);

    // Tables
    Result<void> tableFromFrame(const Frame &frame, const QString &source);
    Result<QString> cellText(const Frame &frame, qint64 row, qsizetype column) const;

    // Frames
    Result<Frame> splitFrame(qsizetype split);
    Result<Frame> recordsFrame(qsizetype list, const QString &source);
    Result<Frame> columnsFrame(qsizetype object, const QString &source);
};

Result<void> RequestReader::checkRowCount(qint64 rows, const QString &where) const
{
    if (rows == 0)
        return invalidValue(where + u" holds no rows to score"_s);
    if (m_maxRows > 0 && rows > m_maxRows)
        return invalidValue(
            u"%1 holds %2 rows, more than the %3 this server scores per request"_s.arg(
                where, number(rows), number(m_maxRows)));
    return {};
}

Result<void> RequestReader::readJson(QByteArrayView body)
{
    auto parsed = JsonTree::parse(body);
    if (!parsed)
        return badRequest(u"Invalid input. Ensure that input is a valid JSON formatted string. "
                          u"Error: '"_s
                          + parsed.errorMessage() + u"'"_s);
    const JsonTree &tree = *parsed;
    m_tree = &tree;
    const qsizetype root = tree.root();
    if (node(root).kind == Kind::Array)
        return badRequest(u"Invalid input. %1. Received a list."_s.arg(kRequiredInputFormat));
    if (node(root).kind != Kind::Object)
        return badRequest(u"Invalid input. %1. Received unexpected input type '%2'."_s.arg(
            kRequiredInputFormat, kindOf(root)));

    QStringList keys;
    std::vector<QByteArrayView> formats;
    for (qsizetype key = root + 1; key < qsizetype(node(root).end); key = node(key + 1).end) {
        const QString name = tree.string(key);
        if (!keys.contains(name))
            keys.append(name);
        for (const QByteArrayView format :
             {kDataframeSplit, kDataframeRecords, kInstances, kInputs}) {
            if (name == QLatin1StringView(format)
                && std::find(formats.begin(), formats.end(), format) == formats.end())
                formats.push_back(format);
        }
    }
    if (formats.size() != 1)
        return badRequest(u"%1. Received dictionary with input fields: %2."_s.arg(
            kRequiredInputFormat, pythonList(keys)));
    if (auto params = readParams(root); !params)
        return params;
    return readFormat(formats.front(), tree.member(root, formats.front()));
}

Result<void> RequestReader::readParams(qsizetype root)
{
    const qsizetype params = m_tree->member(root, kParams);
    if (params < 0 || node(params).kind == Kind::Null)
        return {};
    if (node(params).kind != Kind::Object)
        return badRequest(u"Invalid input. 'params' must be a dictionary, got "_s + kindOf(params)
                          + u"."_s);
    m_batch.params = m_tree->toJsonValue(params).toObject();
    return {};
}

Result<void> RequestReader::readFormat(QByteArrayView format, qsizetype value)
{
    const QString source = QString::fromLatin1(format);
    const Kind kind = node(value).kind;
    if (format == kDataframeSplit) {
        m_batch.format = RequestFormat::DataframeSplit;
        return fromFrame(splitFrame(value), source);
    }
    if (format == kDataframeRecords) {
        m_batch.format = RequestFormat::DataframeRecords;
        if (kind != Kind::Array)
            return badRequest(u"Invalid input. Dataframe records format must be a list of "
                              u"records. Got "_s
                              + kindOf(value) + u"."_s);
        return fromFrame(recordsFrame(value, source), source);
    }

    // instances and inputs: samples, records, or (inputs) a dictionary.
    m_batch.format = format == kInstances ? RequestFormat::Instances : RequestFormat::Inputs;
    const bool records =
        kind == Kind::Array && node(value).size > 0 && node(value + 1).kind == Kind::Object;
    if (records)
        return fromFrame(recordsFrame(value, source), source);
    if (format == kInputs && kind == Kind::Object) {
        if (!isTensor())
            return fromFrame(columnsFrame(value, source), source);
        const qsizetype samples = m_tree->member(value, m_spec.inputName.toUtf8());
        if (samples < 0)
            return invalidValue(u"Model is missing inputs ['%1']: 'inputs' has the fields %2"_s.arg(
                m_spec.inputName,
                pythonList(QStringList(m_tree->toJsonValue(value).toObject().keys()))));
        return readSamples(samples, source + u"."_s + m_spec.inputName);
    }
    if (kind != Kind::Array) {
        if (isTensor())
            return badRequest(u"Invalid input. '%1' must be a list of samples, got %2."_s.arg(
                source, kindOf(value)));
        return badRequest(
            u"Invalid input. For a table, '%1' must be a list of records%2, got %3."_s.arg(
                source, format == kInputs ? u" or {column: [values]}"_s : QString(),
                kindOf(value)));
    }
    if (isTensor())
        return readSamples(value, source);
    if (node(value).size == 0)
        return checkRowCount(0, source);
    return badRequest(u"Invalid input. For a table, the rows of '%1' must be records ({column: "
                      u"value}); %1[0] is a %2."_s.arg(source, kindOf(value + 1)));
}

Result<void> RequestReader::fromFrame(const Result<Frame> &frame, const QString &source)
{
    if (!frame)
        return frame.error();
    return isTensor() ? tensorFromFrame(*frame, source) : tableFromFrame(*frame, source);
}

// --- tensors ------------------------------------------------------------------------------------

// Readies the batch for `rows` samples. `bound` is the most values the request's text can hold
// (its JSON nodes or CSV cells): a request claiming more rows than it holds gets no more memory
// than its text could fill before its reading fails.
void RequestReader::startSamples(qint64 rows, qint64 bound)
{
    m_batch.rows = rows;
    m_batch.values.clear();
    m_batch.values.reserve(std::size_t(std::min(rows * m_sampleSize, bound)));
}

// Room for row `row`'s sample, rows being read in order.
float *RequestReader::sampleSlot(qint64 row)
{
    m_batch.values.resize(std::size_t((row + 1) * m_sampleSize));
    return m_batch.values.data() + std::size_t(row * m_sampleSize);
}

Result<void> RequestReader::readSamples(qsizetype list, const QString &where)
{
    if (node(list).kind != Kind::Array)
        return badRequest(
            u"Invalid input. '%1' must be a list of samples, got %2."_s.arg(where, kindOf(list)));
    const qint64 rows = node(list).size;
    if (auto count = checkRowCount(rows, where); !count)
        return count;
    startSamples(rows, m_tree->size());
    Location location{where, 0, QString(), false};
    qsizetype sample = list + 1;
    for (qint64 row = 0; row < rows; ++row, sample = node(sample).end) {
        location.row = row;
        if (auto read = readSample(sample, location, sampleSlot(row)); !read)
            return read;
    }
    return {};
}

// A sample nested as the spec's shape, or flat; which one the first element tells.
Result<void> RequestReader::readSample(qsizetype index, const Location &location, float *out)
{
    const std::vector<qint64> &shape = m_spec.sampleShape;
    const JsonTree::Node &sample = node(index);
    m_inner.clear();
    if (sample.kind == Kind::Array) {
        const bool nested =
            shape.size() == 1
            || (shape.size() >= 2 && sample.size > 0 && node(index + 1).kind == Kind::Array);
        if (!nested)
            return readFlat(index, location, out);
        float *cursor = out;
        return readNested(index, 0, location, cursor);
    }
    if (shape.empty() && sample.kind == Kind::Number) {
        if (readNumber(index, *out))
            return {};
        return badRequest(u"Invalid input. "_s + location.text() + u": "_s + numberProblem(index));
    }
    return invalidValue(
        u"%1: a sample must be a list (%2 nested, or %3 numbers in one flat list), "
        u"got %4"_s.arg(location.text(), shapeText(shape), number(m_sampleSize), kindOf(index)));
}

Result<void> RequestReader::readNested(qsizetype index, std::size_t dimension,
                                       const Location &location, float *&out)
{
    const std::vector<qint64> &shape = m_spec.sampleShape;
    const JsonTree::Node &list = node(index);
    if (list.kind != Kind::Array)
        return invalidValue(
            u"%1: expected a list of %2 (the model takes samples of %3), got %4"_s.arg(
                location.text(m_inner), number(shape[dimension]), shapeText(shape), kindOf(index)));
    if (qint64(list.size) != shape[dimension])
        return invalidValue(
            u"%1: expected a list of %2 (the model takes samples of %3), got %4 values"_s.arg(
                location.text(m_inner), number(shape[dimension]), shapeText(shape),
                number(list.size)));
    qsizetype child = index + 1;
    if (dimension + 1 == shape.size()) {
        for (quint32 i = 0; i < list.size; ++i, ++out, child = node(child).end) {
            if (!readNumber(child, *out)) {
                m_inner.push_back(i);
                return badRequest(u"Invalid input. "_s + location.text(m_inner) + u": "_s
                                  + numberProblem(child));
            }
        }
        return {};
    }
    for (quint32 i = 0; i < list.size; ++i, child = node(child).end) {
        m_inner.push_back(i);
        if (auto read = readNested(child, dimension + 1, location, out); !read)
            return read;
        m_inner.pop_back();
    }
    return {};
}

Result<void> RequestReader::readFlat(qsizetype index, const Location &location, float *out)
{
    const JsonTree::Node &list = node(index);
    if (qint64(list.size) != m_sampleSize)
        return invalidValue(
            u"%1: a flat sample must have %2 numbers, got %3 (or send it nested, %4)"_s.arg(
                location.text(), number(m_sampleSize), number(list.size),
                shapeText(m_spec.sampleShape)));
    qsizetype child = index + 1;
    for (quint32 i = 0; i < list.size; ++i, child = node(child).end) {
        if (!readNumber(child, out[i]))
            return badRequest(u"Invalid input. "_s + location.text({qint64(i)}) + u": "_s
                              + numberProblem(child));
    }
    return {};
}

// The hot path: a plain JSON number that fits a finite float32.
bool RequestReader::readNumber(qsizetype index, float &out) const
{
    const JsonTree::Node &literal = node(index);
    if (literal.kind != Kind::Number || literal.special)
        return false;
    double value = 0;
    return m_tree->toDouble(index, value) && narrowToFloat(value, out);
}

// Why readNumber() refused a node.
QString RequestReader::numberProblem(qsizetype index) const
{
    switch (node(index).kind) {
    case Kind::Number:
        if (node(index).special)
            return QString::fromLatin1(m_tree->text(index)) + u" is not a finite number"_s;
        return shownText(m_tree->text(index)) + u" is out of float32 range"_s;
    case Kind::String:
        return u"\""_s + shownText(m_tree->text(index)) + u"\" is not a number"_s;
    case Kind::Null:
        return u"null is not a number"_s;
    case Kind::True:
        return u"true is not a number"_s;
    case Kind::False:
        return u"false is not a number"_s;
    case Kind::Array:
        return u"expected a number, got a list (the model takes samples of "_s
               + shapeText(m_spec.sampleShape) + u")"_s;
    case Kind::Object:
        return u"expected a number, got a dictionary"_s;
    }
    return QString();
}

Result<void> RequestReader::tensorFromFrame(const Frame &frame, const QString &source)
{
    if (auto count = checkRowCount(frame.rows, source); !count)
        return count;
    const qsizetype width = frame.width;

    // A column holding a sample per row: the one named as the model's input (MLflow's way), or
    // the only column when its cells are lists. Never in CSV, whose cells are text.
    qsizetype sampleColumn = -1;
    if (!frame.csv && frame.named) {
        if (frame.nameCount(m_spec.inputName) > 1)
            return badRequest(u"Invalid input. %1: the column '%2' appears more than once"_s.arg(
                source, m_spec.inputName));
        sampleColumn = frame.columnIndex(m_spec.inputName);
    }
    if (sampleColumn < 0 && !frame.csv && width == 1 && frame.node(0, 0) >= 0
        && node(frame.node(0, 0)).kind == Kind::Array)
        sampleColumn = 0;
    if (sampleColumn >= 0) {
        startSamples(frame.rows, m_tree->size());
        for (qint64 row = 0; row < frame.rows; ++row) {
            const qint32 cell = frame.node(row, sampleColumn);
            const Location location = frame.location(row, sampleColumn);
            if (cell < 0)
                return invalidValue(location.text() + u" is missing"_s);
            if (auto read = readSample(cell, location, sampleSlot(row)); !read)
                return read;
        }
        return {};
    }

    // Otherwise one number per column, in the request's column order.
    if (width != m_sampleSize)
        return invalidValue(u"%1 has %2 columns; the model takes samples of %3: one number per "
                            u"column (%4 columns), or a column '%5' holding each sample"_s.arg(
                                source, number(width), shapeText(m_spec.sampleShape),
                                number(m_sampleSize), m_spec.inputName));
    startSamples(frame.rows, frame.rows * width); // every cell is there: rows x width
    for (qint64 row = 0; row < frame.rows; ++row) {
        float *out = sampleSlot(row);
        for (qsizetype column = 0; column < width; ++column, ++out) {
            if (frame.csv) {
                const QString problem =
                    csvFloat(frame.csv->cells[std::size_t(row * width + column)], *out);
                if (!problem.isEmpty())
                    return badRequest(u"Invalid input. "_s + frame.where(row, column) + u": "_s
                                      + problem);
                continue;
            }
            const qint32 index = frame.node(row, column);
            if (index < 0)
                return invalidValue(frame.where(row, column) + u" is missing"_s);
            if (!readNumber(index, *out))
                return badRequest(u"Invalid input. "_s + frame.where(row, column) + u": "_s
                                  + numberProblem(index));
        }
    }
    return {};
}

// --- tables -------------------------------------------------------------------------------------

Result<void> RequestReader::tableFromFrame(const Frame &frame, const QString &source)
{
    if (auto count = checkRowCount(frame.rows, source); !count)
        return count;
    // The frame column of each model column.
    std::vector<qsizetype> picked;
    if (!frame.named) {
        if (frame.width != m_spec.columns.size())
            return invalidValue(u"%1 has %2 values per row and no 'columns'; the model takes %3 "
                                u"columns, %4, matched by position"_s.arg(
                                    source, number(frame.width), number(m_spec.columns.size()),
                                    pythonList(m_spec.columns)));
        for (qsizetype i = 0; i < m_spec.columns.size(); ++i)
            picked.push_back(i);
    } else {
        QStringList missing;
        for (const QString &name : m_spec.columns) {
            if (frame.nameCount(name) > 1)
                return badRequest(
                    u"Invalid input. %1: the column '%2' appears more than once"_s.arg(source,
                                                                                       name));
            const qsizetype column = frame.columnIndex(name);
            if (column < 0)
                missing.append(name);
            picked.push_back(column);
        }
        if (!missing.isEmpty())
            return invalidValue(u"Model is missing inputs %1 (%2 has the columns %3)"_s.arg(
                pythonList(missing), source, pythonList(frame.names)));
    }
    m_batch.rows = frame.rows;
    m_batch.cells.reserve(std::size_t(frame.rows) * picked.size());
    for (qint64 row = 0; row < frame.rows; ++row) {
        for (const qsizetype column : picked) {
            auto text = cellText(frame, row, column);
            if (!text)
                return text.error();
            m_batch.cells.push_back(std::move(text).value());
        }
    }
    return {};
}

// A cell as the model's preprocessing reads it: see ScoringBatch::cells.
Result<QString> RequestReader::cellText(const Frame &frame, qint64 row, qsizetype column) const
{
    if (frame.csv)
        return QString::fromUtf8(frame.csv->cells[std::size_t(row * frame.width + column)]);
    const qint32 index = frame.node(row, column);
    if (index < 0)
        return QString();
    switch (node(index).kind) {
    case Kind::Null:
        return QString();
    case Kind::False:
        return u"false"_s;
    case Kind::True:
        return u"true"_s;
    case Kind::Number:
        if (node(index).special && m_tree->text(index) == "NaN")
            return QString();
        return QString::fromLatin1(m_tree->text(index));
    case Kind::String:
        return m_tree->string(index);
    case Kind::Array:
    case Kind::Object:
        break;
    }
    return badRequest(u"Invalid input. %1: a %2 is not a table cell (the model takes one value per "
                      u"column)"_s.arg(frame.where(row, column), kindOf(index)));
}

// --- frames -------------------------------------------------------------------------------------

Result<Frame> RequestReader::splitFrame(qsizetype split)
{
    if (node(split).kind != Kind::Object)
        return badRequest(u"Invalid input. Dataframe split format must be a dictionary. Got "_s
                          + kindOf(split) + u"."_s);
    QStringList keys;
    bool unknownKey = false;
    for (qsizetype key = split + 1; key < qsizetype(node(split).end); key = node(key + 1).end) {
        const QString name = m_tree->string(key);
        keys.append(name);
        unknownKey =
            unknownKey || (name != u"columns"_s && name != u"data"_s && name != u"index"_s);
    }
    const qsizetype data = m_tree->member(split, "data");
    if (data < 0 || unknownKey)
        return badRequest(u"Invalid input. Dataframe split format must have 'data' field and "
                          u"optionally 'columns' and 'index' fields. Got "_s
                          + pythonList(keys) + u"."_s);
    if (node(data).kind != Kind::Array)
        return badRequest(u"Invalid input. dataframe_split.data must be a list of rows, got "_s
                          + kindOf(data) + u"."_s);

    Frame frame;
    frame.rows = node(data).size;
    if (auto count = checkRowCount(frame.rows, u"dataframe_split.data"_s); !count)
        return count.error();
    const qsizetype columns = m_tree->member(split, "columns");
    frame.named = columns >= 0 && node(columns).kind != Kind::Null;
    if (frame.named) {
        if (node(columns).kind != Kind::Array)
            return badRequest(u"Invalid input. dataframe_split.columns must be a list of names, "
                              u"got "_s
                              + kindOf(columns) + u"."_s);
        qint64 i = 0;
        for (qsizetype name = columns + 1; name < qsizetype(node(columns).end);
             name = node(name).end, ++i) {
            if (node(name).kind == Kind::String)
                frame.names.push_back(m_tree->string(name));
            else if (node(name).kind == Kind::Number)
                frame.names.push_back(QString::fromLatin1(m_tree->text(name)));
            else
                return badRequest(u"Invalid input. dataframe_split.columns[%1] must be a name, "
                                  u"got %2."_s.arg(number(i), kindOf(name)));
        }
    }
    const qsizetype index = m_tree->member(split, "index");
    if (index >= 0 && node(index).kind != Kind::Null
        && (node(index).kind != Kind::Array || qint64(node(index).size) != frame.rows))
        return badRequest(u"Invalid input. dataframe_split.index must be a list of %1 labels, one "
                          u"per row of 'data'."_s.arg(number(frame.rows)));

    // Every row as wide as `columns`, or, without it, as the first row.
    const qsizetype firstRow = data + 1;
    frame.width = frame.named ? qsizetype(frame.names.size())
                              : (node(firstRow).kind == Kind::Array ? node(firstRow).size : 0);
    frame.nodes.reserve(std::size_t(std::min<qint64>(frame.rows * frame.width, m_tree->size())));
    qsizetype row = firstRow;
    for (qint64 r = 0; r < frame.rows; ++r, row = node(row).end) {
        if (node(row).kind != Kind::Array)
            return badRequest(u"Invalid input. dataframe_split.data[%1] must be a list of values "
                              u"(a row), got %2."_s.arg(number(r), kindOf(row)));
        if (qsizetype(node(row).size) != frame.width)
            return badRequest(u"Invalid input. dataframe_split.data[%1] has %2 values, %3 %4"_s.arg(
                number(r), number(node(row).size),
                frame.named ? u"'columns' names"_s : u"data[0] has"_s, number(frame.width)));
        for (qsizetype cell = row + 1; cell < qsizetype(node(row).end); cell = node(cell).end)
            frame.nodes.push_back(qint32(cell));
    }
    frame.location = [](qint64 r, qsizetype column) {
        return Location{u"dataframe_split.data"_s, r, u"["_s + number(column) + u"]"_s, false};
    };
    return frame;
}

Result<Frame> RequestReader::recordsFrame(qsizetype list, const QString &source)
{
    Frame frame;
    frame.rows = node(list).size;
    if (auto count = checkRowCount(frame.rows, source); !count)
        return count.error();
    // Columns in the order first seen, each record's cells as its keys come (a repeated key:
    // the last wins, as in a Python dict).
    QHash<QString, qsizetype> columnOf;
    std::vector<std::pair<qsizetype, qint32>> cells; // (column, value node), record after record
    std::vector<std::size_t> recordStarts;
    qsizetype record = list + 1;
    for (qint64 r = 0; r < frame.rows; ++r, record = node(record).end) {
        if (node(record).kind != Kind::Object)
            return badRequest(u"Invalid input. %1[%2] must be a record ({column: value}), got "
                              u"%3."_s.arg(source, number(r), kindOf(record)));
        recordStarts.push_back(cells.size());
        for (qsizetype key = record + 1; key < qsizetype(node(record).end);
             key = node(key + 1).end) {
            const QString name = m_tree->string(key);
            auto found = columnOf.constFind(name);
            if (found == columnOf.cend()) {
                found = columnOf.insert(name, qsizetype(frame.names.size()));
                frame.names.push_back(name);
            }
            cells.emplace_back(found.value(), qint32(key + 1));
        }
    }
    recordStarts.push_back(cells.size());
    frame.width = qsizetype(frame.names.size());

    // The columns worth a cell per row: the model's own for a table; for a tensor, the input
    // column, or else every column if there are no more than the values of a sample (more is
    // refused on their count alone).
    frame.kept.assign(std::size_t(frame.width), -1);
    for (qsizetype column = 0; column < frame.width; ++column) {
        const QString &name = frame.names[std::size_t(column)];
        bool keep = false;
        if (!isTensor())
            keep = m_spec.columns.contains(name);
        else if (columnOf.contains(m_spec.inputName))
            keep = name == m_spec.inputName;
        else
            keep = frame.width <= m_sampleSize;
        if (keep)
            frame.kept[std::size_t(column)] = frame.keptWidth++;
    }
    frame.nodes.assign(std::size_t(frame.rows * frame.keptWidth), -1);
    for (qint64 r = 0; r < frame.rows; ++r) {
        for (std::size_t i = recordStarts[std::size_t(r)]; i < recordStarts[std::size_t(r) + 1];
             ++i) {
            const qsizetype at = frame.kept[std::size_t(cells[i].first)];
            if (at >= 0)
                frame.nodes[std::size_t(r * frame.keptWidth + at)] = cells[i].second;
        }
    }
    frame.location = [source, names = frame.names](qint64 r, qsizetype column) {
        return Location{source, r, u"."_s + names[std::size_t(column)], false};
    };
    return frame;
}

Result<Frame> RequestReader::columnsFrame(qsizetype object, const QString &source)
{
    // {column: [values]} or, for one row, {column: value}; a repeated key: the last wins.
    Frame frame;
    QHash<QString, qsizetype> columnOf;
    std::vector<qsizetype> values;
    for (qsizetype key = object + 1; key < qsizetype(node(object).end); key = node(key + 1).end) {
        const QString name = m_tree->string(key);
        if (const auto found = columnOf.constFind(name); found != columnOf.cend()) {
            values[std::size_t(found.value())] = key + 1;
            continue;
        }
        columnOf.insert(name, qsizetype(frame.names.size()));
        frame.names.push_back(name);
        values.push_back(key + 1);
    }
    bool anyList = false;
    bool anyScalar = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (node(values[i]).kind == Kind::Object)
            return badRequest(u"Invalid input. %1.%2 must be a list of values or one value, got a "
                              u"dictionary."_s.arg(source, frame.names[i]));
        const bool list = node(values[i]).kind == Kind::Array;
        anyList = anyList || list;
        anyScalar = anyScalar || !list;
    }
    if (anyList && anyScalar)
        return badRequest(u"Invalid input. "_s + source
                          + u" mixes lists and single values; give every column a list of "
                            u"values, one per row."_s);
    frame.width = qsizetype(frame.names.size());
    frame.rows = anyList ? node(values.front()).size : (values.empty() ? 0 : 1);
    for (std::size_t i = 0; anyList && i < values.size(); ++i) {
        if (qint64(node(values[i]).size) != frame.rows)
            return badRequest(u"Invalid input. The length of values for each input/column name "
                              u"are not the same: %1.%2 has %3, %1.%4 has %5."_s.arg(
                                  source, frame.names[0], number(frame.rows), frame.names[i],
                                  number(node(values[i]).size)));
    }
    if (auto count = checkRowCount(frame.rows, source); !count)
        return count.error();
    // Every column holds `rows` nodes, so this is no larger than the text.
    frame.nodes.assign(std::size_t(frame.rows * frame.width), -1);
    for (qsizetype column = 0; column < frame.width; ++column) {
        const qsizetype value = values[std::size_t(column)];
        if (!anyList) {
            frame.nodes[std::size_t(column)] = qint32(value);
            continue;
        }
        qsizetype cell = value + 1;
        for (qint64 r = 0; r < frame.rows; ++r, cell = node(cell).end)
            frame.nodes[std::size_t(r * frame.width + column)] = qint32(cell);
    }
    frame.location = [source, names = frame.names](qint64 r, qsizetype column) {
        return Location{source + u"."_s + names[std::size_t(column)], r, QString(), false};
    };
    return frame;
}

Result<void> RequestReader::readCsv(QByteArrayView body)
{
    m_batch.format = RequestFormat::Csv;
    if (const QString problem = utf8Problem(body); !problem.isEmpty())
        return badRequest(u"Invalid input. Ensure that input is a valid UTF-8 encoded string. "
                          u"Error: '"_s
                          + problem + u"'"_s);
    auto csv = serving::readCsv(body);
    if (!csv)
        return badRequest(u"Failed to parse the input as CSV (a header line, then a line per "
                          u"row, RFC 4180). Error: '"_s
                          + csv.errorMessage() + u"'"_s);
    Frame frame;
    frame.csv = &*csv;
    frame.rows = csv->rows();
    frame.width = qsizetype(csv->header.size());
    for (const QByteArrayView name : csv->header)
        frame.names.push_back(QString::fromUtf8(name));
    frame.location = [names = frame.names, lines = csv->lines](qint64 r, qsizetype column) {
        return Location{QString(), lines[std::size_t(r)], names[std::size_t(column)], true};
    };
    const QString source = u"the CSV"_s;
    return isTensor() ? tensorFromFrame(frame, source) : tableFromFrame(frame, source);
}

} // namespace

qint64 InputSpec::sampleSize() const
{
    qint64 size = 1;
    for (const qint64 dimension : sampleShape)
        size *= dimension;
    return size;
}

bool ScoringBatch::fromDataframe() const
{
    return format == RequestFormat::DataframeSplit || format == RequestFormat::DataframeRecords
           || format == RequestFormat::Csv;
}

std::variant<ScoringBatch, ScoringError> parseScoringRequest(QByteArrayView body,
                                                             QByteArrayView contentType,
                                                             const InputSpec &spec, qint64 maxRows)
{
    const auto type = mediaType(contentType);
    if (const auto *refused = std::get_if<ScoringError>(&type))
        return *refused;
    ScoringBatch batch;
    RequestReader reader(spec, maxRows, batch);
    const Result<void> read =
        std::get<MediaType>(type) == MediaType::Json ? reader.readJson(body) : reader.readCsv(body);
    if (!read)
        return toScoringError(read.error());
    return batch;
}

QByteArray predictionsJson(const ScoringBatch &request, const QString &outputName, qint64 width,
                           const std::vector<float> &outputs, const QJsonObject &extra)
{
    Q_ASSERT(width > 0 && qint64(outputs.size()) == request.rows * width);
    const qint64 rows =
        width > 0 ? std::min<qint64>(request.rows, qint64(outputs.size()) / width) : 0;
    QByteArray name;
    appendPythonString(name, outputName);
    QByteArray out;
    out.reserve(qsizetype(rows * width * 24 + rows * (name.size() + 8) + 64));
    out.append("{\"predictions\": ");
    const float *value = outputs.data();
    const auto appendRow = [&out, &value, width]() {
        out.append('[');
        for (qint64 i = 0; i < width; ++i, ++value) {
            if (i > 0)
                out.append(", ");
            appendPythonFloat(out, double(*value));
        }
        out.append(']');
    };
    if (request.layout == PredictionsLayout::Columns) {
        out.append('{').append(name).append(": [");
        for (qint64 row = 0; row < rows; ++row) {
            if (row > 0)
                out.append(", ");
            appendRow();
        }
        out.append("]}");
    } else {
        out.append('[');
        for (qint64 row = 0; row < rows; ++row) {
            if (row > 0)
                out.append(", ");
            out.append('{').append(name).append(": ");
            if (width == 1)
                appendPythonFloat(out, double(*value++));
            else
                appendRow();
            out.append('}');
        }
        out.append(']');
    }
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it.key() == u"predictions"_s)
            continue;
        out.append(", ");
        appendPythonString(out, it.key());
        out.append(": ");
        appendPythonJson(out, it.value());
    }
    out.append('}');
    return out;
}

QByteArray errorJson(const QString &errorCode, const QString &message)
{
    QByteArray out = "{\"error_code\": ";
    appendPythonString(out, errorCode);
    out.append(", \"message\": ");
    appendPythonString(out, message);
    out.append('}');
    return out;
}

} // namespace millrace::serving
