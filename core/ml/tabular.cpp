#include "core/ml/tabular.h"

#include "core/ml/fileio.h"

// nlohmann/json (Debian nlohmann-json3-dev, header only) writes doubles in their shortest
// round-trip form, so a loaded state gives bit-identical transforms; it needs no Qt, which
// core/ml keeps out of its data paths.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_map>

namespace millrace::ml {

namespace {

constexpr const char *stateFormat = "millrace.tabular-preprocessing";
constexpr int stateVersion = 1;

std::string_view trimmedView(std::string_view text)
{
    const std::size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return {};
    const std::size_t end = text.find_last_not_of(" \t");
    return text.substr(begin, end - begin + 1);
}

enum class NumberStatus { Ok, NotANumber, OutOfRange, NotFinite };

// Parses the whole of `text` (surrounding spaces aside) as a decimal number. std::from_chars
// reads the same way in every locale, unlike strtod.
NumberStatus parseNumber(std::string_view text, double &value)
{
    text = trimmedView(text);
    if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+')
        text.remove_prefix(1);
    if (text.empty())
        return NumberStatus::NotANumber;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range)
        return NumberStatus::OutOfRange;
    if (error != std::errc() || end != text.data() + text.size())
        return NumberStatus::NotANumber;
    if (!std::isfinite(value))
        return NumberStatus::NotFinite;
    return NumberStatus::Ok;
}

std::string shownValue(std::string_view text)
{
    constexpr std::size_t shown = 40;
    if (text.size() > shown)
        return "'" + std::string(text.substr(0, shown)) + "...'";
    return "'" + std::string(text) + "'";
}

Result<double> numberAt(const CsvTable &table, std::size_t row, std::size_t column)
{
    double value = 0.0;
    const std::string &text = table.rows[row][column];
    const NumberStatus status = parseNumber(text, value);
    if (status == NumberStatus::Ok)
        return value;
    const char *problem = status == NumberStatus::OutOfRange  ? "is out of range"
                          : status == NumberStatus::NotFinite ? "is not a finite number"
                                                              : "is not a number";
    const std::size_t line = row < table.rowLines.size() ? table.rowLines[row] : row + 2;
    return fail(table.sourceName + " line " + std::to_string(line) + ", column '"
                + table.header[column] + "': " + shownValue(text) + " " + problem);
}

std::string categoryAt(const CsvTable &table, std::size_t row, std::size_t column)
{
    return std::string(trimmedView(table.rows[row][column]));
}

// Categories in a stable order that reads naturally: by value when every one is a number
// ("2" before "10"), otherwise by bytes.
void sortCategories(std::vector<std::string> &categories)
{
    std::vector<double> numbers(categories.size());
    bool allNumbers = true;
    for (std::size_t i = 0; i < categories.size() && allNumbers; ++i)
        allNumbers = parseNumber(categories[i], numbers[i]) == NumberStatus::Ok;
    if (!allNumbers) {
        std::sort(categories.begin(), categories.end());
        return;
    }
    std::vector<std::size_t> order(categories.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (numbers[a] != numbers[b])
            return numbers[a] < numbers[b];
        return categories[a] < categories[b];
    });
    std::vector<std::string> sorted;
    sorted.reserve(categories.size());
    for (const std::size_t index : order)
        sorted.push_back(std::move(categories[index]));
    categories = std::move(sorted);
}

// Resolves schema columns to header positions, naming every missing one at once.
Result<std::vector<std::size_t>> resolveColumns(const CsvTable &table,
                                                const std::vector<std::string> &names)
{
    std::vector<std::size_t> positions;
    std::vector<std::string> missing;
    for (const std::string &name : names) {
        if (const std::optional<std::size_t> position = table.columnIndex(name))
            positions.push_back(*position);
        else
            missing.push_back("'" + name + "'");
    }
    if (missing.empty())
        return positions;
    std::string list;
    for (std::size_t i = 0; i < missing.size(); ++i)
        list += (i > 0 ? ", " : "") + missing[i];
    return fail(table.sourceName + ": " + (missing.size() == 1 ? "column " : "columns ") + list
                + " named in the schema " + (missing.size() == 1 ? "is" : "are")
                + " missing from the header");
}

const char *kindName(ColumnKind kind)
{
    return kind == ColumnKind::Numeric ? "numeric" : "categorical";
}

Result<ColumnKind> kindFromName(const std::string &name, const std::string &where)
{
    if (name == "numeric")
        return ColumnKind::Numeric;
    if (name == "categorical")
        return ColumnKind::Categorical;
    return fail(where + ": kind '" + name + "' is neither 'numeric' nor 'categorical'");
}

using Json = nlohmann::ordered_json;

Result<std::string> stringMember(const Json &object, const char *key, const std::string &where)
{
    const auto found = object.find(key);
    if (found == object.end() || !found->is_string())
        return fail(where + ": '" + key + "' is missing or not a string");
    return found->get<std::string>();
}

Result<double> finiteMember(const Json &object, const char *key, const std::string &where)
{
    const auto found = object.find(key);
    if (found == object.end() || !found->is_number())
        return fail(where + ": '" + key + "' is missing or not a number");
    const double value = found->get<double>();
    if (!std::isfinite(value))
        return fail(where + ": '" + key + "' is not finite");
    return value;
}

Result<std::vector<std::string>> distinctStrings(const Json &object, const char *key,
                                                 const std::string &where)
{
    const auto found = object.find(key);
    if (found == object.end() || !found->is_array())
        return fail(where + ": '" + key + "' is missing or not a list");
    std::vector<std::string> values;
    std::set<std::string> seen;
    for (const Json &item : *found) {
        if (!item.is_string())
            return fail(where + ": '" + key + "' holds something that is not a string");
        std::string value = item.get<std::string>();
        if (!seen.insert(value).second)
            return fail(where + ": '" + key + "' lists '" + value + "' twice");
        values.push_back(std::move(value));
    }
    if (values.empty())
        return fail(where + ": '" + key + "' is empty");
    return values;
}

} // namespace

Result<void> TabularSchema::validate() const
{
    if (features.empty())
        return fail("the schema declares no feature columns");
    if (label.name.empty())
        return fail("the schema declares no label column");
    std::set<std::string> names;
    for (const ColumnSpec &column : features) {
        if (column.name.empty())
            return fail("the schema has a feature column without a name");
        if (!names.insert(column.name).second)
            return fail("the schema names column '" + column.name + "' twice");
    }
    if (names.count(label.name))
        return fail("the schema uses column '" + label.name
                    + "' both as a feature and as the label");
    return {};
}

Result<TabularSchema> TabularSchema::infer(const CsvTable &table, const ColumnSpec &label)
{
    if (!table.columnIndex(label.name))
        return fail(table.sourceName + ": has no column '" + label.name + "' to predict");
    TabularSchema schema;
    schema.label = label;
    for (std::size_t column = 0; column < table.header.size(); ++column) {
        if (table.header[column] == label.name)
            continue;
        bool numeric = true;
        for (const auto &row : table.rows) {
            double value = 0;
            const std::string_view text = trimmedView(row[column]);
            if (!text.empty() && parseNumber(text, value) != NumberStatus::Ok) {
                numeric = false;
                break;
            }
        }
        schema.features.push_back(
            {table.header[column], numeric ? ColumnKind::Numeric : ColumnKind::Categorical});
    }
    return schema;
}

Result<TabularPreprocessor> TabularPreprocessor::fit(const TabularSchema &schema,
                                                     const CsvTable &training)
{
    if (Result<void> valid = schema.validate(); !valid)
        return valid.error();
    std::vector<std::string> names;
    for (const ColumnSpec &column : schema.features)
        names.push_back(column.name);
    names.push_back(schema.label.name);
    Result<std::vector<std::size_t>> positions = resolveColumns(training, names);
    if (!positions)
        return positions.error();
    if (training.rows.empty())
        return fail(training.sourceName + ": no rows to fit the preprocessing on");

    TabularPreprocessor preprocessor;
    preprocessor.m_label = schema.label;
    const std::size_t rowCount = training.rows.size();
    for (std::size_t c = 0; c < schema.features.size(); ++c) {
        const std::size_t position = (*positions)[c];
        FittedColumn fitted{schema.features[c].name, schema.features[c].kind, 0.0, 1.0, {}};
        if (fitted.kind == ColumnKind::Numeric) {
            std::vector<double> values(rowCount);
            for (std::size_t row = 0; row < rowCount; ++row) {
                Result<double> value = numberAt(training, row, position);
                if (!value)
                    return value.error();
                values[row] = *value;
            }
            // Two passes: the mean first, then squared deviations from it, which stays exact
            // where the one-pass sum of squares loses digits to cancellation.
            double sum = 0.0;
            for (const double value : values)
                sum += value;
            fitted.mean = sum / double(rowCount);
            double squares = 0.0;
            for (const double value : values)
                squares += (value - fitted.mean) * (value - fitted.mean);
            const double deviation = std::sqrt(squares / double(rowCount));
            if (!std::isfinite(fitted.mean) || !std::isfinite(deviation))
                return fail(training.sourceName + ", column '" + fitted.name
                            + "': values too large to standardise");
            fitted.scale = deviation > 0.0 ? deviation : 1.0;
        } else {
            std::set<std::string> seen;
            for (std::size_t row = 0; row < rowCount; ++row)
                seen.insert(categoryAt(training, row, position));
            fitted.categories.assign(seen.begin(), seen.end());
            sortCategories(fitted.categories);
        }
        preprocessor.m_columns.push_back(std::move(fitted));
    }

    const std::size_t labelPosition = positions->back();
    if (schema.label.kind == ColumnKind::Categorical) {
        std::set<std::string> seen;
        for (std::size_t row = 0; row < rowCount; ++row)
            seen.insert(categoryAt(training, row, labelPosition));
        preprocessor.m_classes.assign(seen.begin(), seen.end());
        sortCategories(preprocessor.m_classes);
    } else {
        for (std::size_t row = 0; row < rowCount; ++row) {
            if (Result<double> value = numberAt(training, row, labelPosition); !value)
                return value.error();
        }
    }
    return preprocessor;
}

Result<TabularTransform> TabularPreprocessor::transform(const CsvTable &table) const
{
    return encode(table, true);
}

Result<TabularTransform> TabularPreprocessor::transformFeatures(const CsvTable &table) const
{
    return encode(table, false);
}

Result<TabularTransform> TabularPreprocessor::encode(const CsvTable &table, bool withLabel) const
{
    std::vector<std::string> names;
    for (const FittedColumn &column : m_columns)
        names.push_back(column.name);
    if (withLabel)
        names.push_back(m_label.name);
    Result<std::vector<std::size_t>> positions = resolveColumns(table, names);
    if (!positions)
        return positions.error();

    std::vector<std::unordered_map<std::string, std::size_t>> categoryIndex(m_columns.size());
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        for (std::size_t i = 0; i < m_columns[c].categories.size(); ++i)
            categoryIndex[c].emplace(m_columns[c].categories[i], i);
    }
    std::unordered_map<std::string, std::int64_t> classIndex;
    for (std::size_t i = 0; i < m_classes.size(); ++i)
        classIndex.emplace(m_classes[i], std::int64_t(i));

    TabularTransform result;
    Dataset &dataset = result.dataset;
    const std::size_t width = outputWidth();
    const std::size_t rowCount = table.rows.size();
    dataset.sampleShape = {std::int64_t(width)};
    dataset.task =
        m_label.kind == ColumnKind::Categorical ? TaskKind::Classification : TaskKind::Regression;
    if (dataset.task == TaskKind::Classification) {
        dataset.classCount = std::int64_t(m_classes.size());
        dataset.classNames = m_classes;
    }
    dataset.features.assign(rowCount * width, 0.0f);

    for (std::size_t row = 0; row < rowCount; ++row) {
        float *out = dataset.features.data() + row * width;
        for (std::size_t c = 0; c < m_columns.size(); ++c) {
            const FittedColumn &column = m_columns[c];
            const std::size_t position = (*positions)[c];
            if (column.kind == ColumnKind::Numeric) {
                Result<double> value = numberAt(table, row, position);
                if (!value)
                    return value.error();
                *out++ = static_cast<float>((*value - column.mean) / column.scale);
                continue;
            }
            const auto found = categoryIndex[c].find(categoryAt(table, row, position));
            if (found != categoryIndex[c].end()) {
                out[found->second] = 1.0f;
            } else {
                ++result.unseenCategoryCount;
                ++result.unseenCategoriesByColumn[column.name];
            }
            out += column.categories.size();
        }
        if (!withLabel)
            continue;
        const std::size_t labelPosition = positions->back();
        if (dataset.task == TaskKind::Regression) {
            Result<double> value = numberAt(table, row, labelPosition);
            if (!value)
                return value.error();
            dataset.targets.push_back(static_cast<float>(*value));
            continue;
        }
        const std::string name = categoryAt(table, row, labelPosition);
        const auto found = classIndex.find(name);
        if (found == classIndex.end()) {
            const std::size_t line = row < table.rowLines.size() ? table.rowLines[row] : row + 2;
            return fail(table.sourceName + " line " + std::to_string(line) + ", column '"
                        + m_label.name + "': class " + shownValue(name)
                        + " was not seen in training");
        }
        dataset.classLabels.push_back(found->second);
    }
    return result;
}

TabularSchema TabularPreprocessor::schema() const
{
    TabularSchema schema;
    for (const FittedColumn &column : m_columns)
        schema.features.push_back(ColumnSpec{column.name, column.kind});
    schema.label = m_label;
    return schema;
}

std::size_t TabularPreprocessor::outputWidth() const
{
    std::size_t width = 0;
    for (const FittedColumn &column : m_columns)
        width += column.kind == ColumnKind::Numeric ? 1 : column.categories.size();
    return width;
}

std::vector<std::string> TabularPreprocessor::outputNames() const
{
    std::vector<std::string> names;
    for (const FittedColumn &column : m_columns) {
        if (column.kind == ColumnKind::Numeric) {
            names.push_back(column.name);
            continue;
        }
        for (const std::string &category : column.categories)
            names.push_back(column.name + "=" + category);
    }
    return names;
}

std::string TabularPreprocessor::toJson() const
{
    Json features = Json::array();
    for (const FittedColumn &column : m_columns) {
        Json entry = {{"name", column.name}, {"kind", kindName(column.kind)}};
        if (column.kind == ColumnKind::Numeric) {
            entry["mean"] = column.mean;
            entry["std"] = column.scale;
        } else {
            entry["categories"] = column.categories;
        }
        features.push_back(std::move(entry));
    }
    Json label = {{"name", m_label.name}, {"kind", kindName(m_label.kind)}};
    if (m_label.kind == ColumnKind::Categorical)
        label["classes"] = m_classes;
    const Json document = {{"format", stateFormat},
                           {"version", stateVersion},
                           {"features", std::move(features)},
                           {"label", std::move(label)}};
    return document.dump(2) + "\n";
}

Result<TabularPreprocessor> TabularPreprocessor::fromJson(std::string_view json,
                                                          std::string_view sourceName)
{
    const std::string name(sourceName);
    const Json document = Json::parse(json.begin(), json.end(), nullptr, false);
    if (document.is_discarded())
        return fail(name + ": not valid JSON");
    if (!document.is_object())
        return fail(name + ": not a JSON object");
    Result<std::string> format = stringMember(document, "format", name);
    if (!format)
        return format.error();
    if (*format != stateFormat)
        return fail(name + ": format '" + *format + "' is not '" + stateFormat + "'");
    const auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer())
        return fail(name + ": 'version' is missing or not an integer");
    if (version->get<long long>() != stateVersion)
        return fail(name + ": version " + std::to_string(version->get<long long>())
                    + " is not one this build reads (" + std::to_string(stateVersion) + ")");

    TabularPreprocessor preprocessor;
    const auto features = document.find("features");
    if (features == document.end() || !features->is_array())
        return fail(name + ": 'features' is missing or not a list");
    for (std::size_t i = 0; i < features->size(); ++i) {
        const Json &entry = (*features)[i];
        std::string where = name + ", feature " + std::to_string(i);
        if (!entry.is_object())
            return fail(where + ": not an object");
        FittedColumn column;
        Result<std::string> columnName = stringMember(entry, "name", where);
        if (!columnName)
            return columnName.error();
        column.name = *columnName;
        where += " ('" + column.name + "')";
        Result<std::string> kindText = stringMember(entry, "kind", where);
        if (!kindText)
            return kindText.error();
        Result<ColumnKind> kind = kindFromName(*kindText, where);
        if (!kind)
            return kind.error();
        column.kind = *kind;
        if (column.kind == ColumnKind::Numeric) {
            Result<double> mean = finiteMember(entry, "mean", where);
            if (!mean)
                return mean.error();
            Result<double> scale = finiteMember(entry, "std", where);
            if (!scale)
                return scale.error();
            if (*scale <= 0.0)
                return fail(where + ": 'std' must be positive");
            column.mean = *mean;
            column.scale = *scale;
        } else {
            Result<std::vector<std::string>> categories =
                distinctStrings(entry, "categories", where);
            if (!categories)
                return categories.error();
            column.categories = std::move(*categories);
        }
        preprocessor.m_columns.push_back(std::move(column));
    }

    const auto label = document.find("label");
    if (label == document.end() || !label->is_object())
        return fail(name + ": 'label' is missing or not an object");
    const std::string where = name + ", label";
    Result<std::string> labelName = stringMember(*label, "name", where);
    if (!labelName)
        return labelName.error();
    Result<std::string> labelKindText = stringMember(*label, "kind", where);
    if (!labelKindText)
        return labelKindText.error();
    Result<ColumnKind> labelKind = kindFromName(*labelKindText, where);
    if (!labelKind)
        return labelKind.error();
    preprocessor.m_label = ColumnSpec{*labelName, *labelKind};
    if (*labelKind == ColumnKind::Categorical) {
        Result<std::vector<std::string>> classes = distinctStrings(*label, "classes", where);
        if (!classes)
            return classes.error();
        preprocessor.m_classes = std::move(*classes);
    }
    if (Result<void> valid = preprocessor.schema().validate(); !valid)
        return fail(name + ": " + valid.errorMessage());
    return preprocessor;
}

Result<void> TabularPreprocessor::save(const std::string &path) const
{
    const std::string json = toJson();
    return writeFileAtomically(
        path, std::span(reinterpret_cast<const std::uint8_t *>(json.data()), json.size()));
}

Result<TabularPreprocessor> TabularPreprocessor::load(const std::string &path)
{
    Result<std::vector<std::uint8_t>> bytes = readFileBytes(path);
    if (!bytes)
        return bytes.error();
    return fromJson(std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()),
                    path);
}

} // namespace millrace::ml
