#include "core/streams/recordlayout.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>
#include <limits>

namespace millrace::streams {

namespace {

const QString kFeaturesField = QStringLiteral("featuresField");
const QString kLabelField = QStringLiteral("labelField");
const QString kIdField = QStringLiteral("idField");
const QString kTask = QStringLiteral("task");
const QString kSampleShape = QStringLiteral("sampleShape");
const QString kClassCount = QStringLiteral("classCount");
const QString kClassNames = QStringLiteral("classNames");
const QString kScale = QStringLiteral("scale");

QString taskName(ml::TaskKind task)
{
    return task == ml::TaskKind::Classification ? QStringLiteral("classification")
                                                : QStringLiteral("regression");
}

QString numberText(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// A value as an error message shows it: short, and strings quoted so "3" and 3 differ.
QString describe(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String: {
        QString text = value.toString();
        if (text.size() > 40)
            text = text.left(37) + QStringLiteral("...");
        return QLatin1Char('\'') + text + QLatin1Char('\'');
    }
    case QJsonValue::Double:
        return numberText(value.toDouble());
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

Error wrongType(const QString &key, const char *expected)
{
    return fail(QStringLiteral("record layout: '%1' must be %2").arg(key, QLatin1String(expected)));
}

} // namespace

RecordLayout RecordLayout::fashionMnist()
{
    RecordLayout layout;
    layout.classNames = {QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"),
                         QStringLiteral("Pullover"),    QStringLiteral("Dress"),
                         QStringLiteral("Coat"),        QStringLiteral("Sandal"),
                         QStringLiteral("Shirt"),       QStringLiteral("Sneaker"),
                         QStringLiteral("Bag"),         QStringLiteral("Ankle boot")};
    return layout;
}

std::size_t RecordLayout::featureCount() const
{
    if (sampleShape.empty())
        return 0;
    std::size_t count = 1;
    for (const std::int64_t dimension : sampleShape) {
        if (dimension <= 0)
            return 0;
        count *= static_cast<std::size_t>(dimension);
    }
    return count;
}

Result<void> RecordLayout::validate() const
{
    if (featuresField.isEmpty())
        return fail(QStringLiteral("record layout: the features field has no name"));
    if (labelField.isEmpty())
        return fail(QStringLiteral("record layout: the label field has no name"));
    if (featuresField == labelField || (!idField.isEmpty() && idField == featuresField)
        || (!idField.isEmpty() && idField == labelField))
        return fail(QStringLiteral("record layout: the features, label and id fields must differ"));
    if (sampleShape.empty())
        return fail(QStringLiteral("record layout: the sample shape is empty"));
    // A bound well above any image or table row, so a typo cannot ask for gigabytes per sample.
    constexpr std::int64_t kMaxFeatures = std::int64_t(1) << 26;
    std::int64_t product = 1;
    for (const std::int64_t dimension : sampleShape) {
        if (dimension <= 0)
            return fail(QStringLiteral("record layout: sample dimension %1 is not positive")
                            .arg(dimension));
        if (dimension > kMaxFeatures || product > kMaxFeatures / dimension)
            return fail(QStringLiteral("record layout: a sample of more than %1 values is not "
                                       "supported")
                            .arg(kMaxFeatures));
        product *= dimension;
    }
    if (task == ml::TaskKind::Classification) {
        if (classCount < 2)
            return fail(
                QStringLiteral("record layout: classification needs at least 2 classes, not %1")
                    .arg(classCount));
        if (!classNames.isEmpty() && classNames.size() != classCount)
            return fail(QStringLiteral("record layout: %1 class names for %2 classes")
                            .arg(classNames.size())
                            .arg(classCount));
    } else if (!classNames.isEmpty()) {
        return fail(QStringLiteral("record layout: a regression layout has no class names"));
    }
    if (!std::isfinite(scale) || scale == 0.0)
        return fail(QStringLiteral("record layout: scale %1 is not a finite, non-zero number")
                        .arg(numberText(scale)));
    return {};
}

QJsonObject RecordLayout::toJson() const
{
    QJsonArray shape;
    for (const std::int64_t dimension : sampleShape)
        shape.append(qint64(dimension));
    QJsonObject json{
        {kFeaturesField, featuresField}, {kLabelField, labelField}, {kIdField, idField},
        {kTask, taskName(task)},         {kSampleShape, shape},     {kScale, scale}};
    if (task == ml::TaskKind::Classification) {
        json.insert(kClassCount, qint64(classCount));
        if (!classNames.isEmpty())
            json.insert(kClassNames, QJsonArray::fromStringList(classNames));
    }
    return json;
}

Result<RecordLayout> RecordLayout::fromJson(const QJsonObject &json)
{
    RecordLayout layout;
    for (const auto &[key, field] :
         {std::pair{kFeaturesField, &layout.featuresField},
          std::pair{kLabelField, &layout.labelField}, std::pair{kIdField, &layout.idField}}) {
        if (!json.contains(key))
            continue;
        const QJsonValue value = json.value(key);
        if (value.isNull()) {
            *field = QString();
            continue;
        }
        if (!value.isString())
            return wrongType(key, "a text");
        *field = value.toString();
    }
    if (json.contains(kTask)) {
        const QString task = json.value(kTask).toString();
        if (task == QLatin1String("classification")) {
            layout.task = ml::TaskKind::Classification;
        } else if (task == QLatin1String("regression")) {
            layout.task = ml::TaskKind::Regression;
            layout.classCount = 0;
        } else {
            return wrongType(kTask, "\"classification\" or \"regression\"");
        }
    }
    if (json.contains(kSampleShape)) {
        const QJsonValue value = json.value(kSampleShape);
        if (!value.isArray())
            return wrongType(kSampleShape, "an array of positive integers");
        layout.sampleShape.clear();
        for (const QJsonValue dimension : value.toArray()) {
            const double number = dimension.toDouble(-1);
            if (!dimension.isDouble() || number != std::floor(number) || number < 1
                || number > double(std::numeric_limits<std::int32_t>::max()))
                return wrongType(kSampleShape, "an array of positive integers");
            layout.sampleShape.push_back(std::int64_t(number));
        }
    }
    if (json.contains(kClassCount)) {
        const QJsonValue value = json.value(kClassCount);
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != std::floor(number) || number < 0
            || number > double(std::numeric_limits<std::int32_t>::max()))
            return wrongType(kClassCount, "a non-negative integer");
        layout.classCount = std::int64_t(number);
    }
    if (json.contains(kClassNames)) {
        const QJsonValue value = json.value(kClassNames);
        if (!value.isArray())
            return wrongType(kClassNames, "an array of texts");
        layout.classNames.clear();
        for (const QJsonValue name : value.toArray()) {
            if (!name.isString())
                return wrongType(kClassNames, "an array of texts");
            layout.classNames.append(name.toString());
        }
    }
    if (json.contains(kScale)) {
        const QJsonValue value = json.value(kScale);
        if (!value.isDouble())
            return wrongType(kScale, "a number");
        layout.scale = value.toDouble();
    }
    if (Result<void> valid = layout.validate(); !valid)
        return valid.error();
    return layout;
}

namespace {

// Appends the scaled features or explains why not; `features` is unchanged on failure.
Result<void> appendFeatures(const RecordLayout &layout, const QJsonObject &record,
                            std::vector<float> &features)
{
    const auto found = record.constFind(layout.featuresField);
    if (found == record.constEnd())
        return fail(QStringLiteral("missing %1").arg(layout.featuresField));
    const QJsonValue value = *found;
    if (!value.isArray())
        return fail(QStringLiteral("%1 is %2, not an array of numbers")
                        .arg(layout.featuresField, describe(value)));
    const QJsonArray values = value.toArray();
    const std::size_t expected = layout.featureCount();
    if (std::size_t(values.size()) != expected)
        return fail(QStringLiteral("%1 has %2 values, expected %3")
                        .arg(layout.featuresField)
                        .arg(values.size())
                        .arg(expected));
    const std::size_t start = features.size();
    // One resize and plain stores: the hot loop of a drain runs here once per value.
    features.resize(start + expected);
    float *out = features.data() + start;
    qsizetype index = 0;
    for (const QJsonValue element : values) {
        if (!element.isDouble()) {
            features.resize(start);
            return fail(QStringLiteral("%1 value %2 at %3 is not a number")
                            .arg(layout.featuresField, describe(element))
                            .arg(index));
        }
        // The product is rounded to float once, from double: for integers 0–255 and a scale
        // of 1/255 this is the float the IDX loader's value / 255.0f gives (tst_recordlayout
        // checks all 256).
        const float scaled = static_cast<float>(element.toDouble() * layout.scale);
        if (!std::isfinite(scaled)) {
            features.resize(start);
            return fail(QStringLiteral("%1 value %2 at %3 is out of range")
                            .arg(layout.featuresField, describe(element))
                            .arg(index));
        }
        out[index++] = scaled;
    }
    return {};
}

Result<double> labelNumber(const RecordLayout &layout, const QJsonObject &record)
{
    const auto found = record.constFind(layout.labelField);
    if (found == record.constEnd() || found->isNull())
        return fail(QStringLiteral("missing %1").arg(layout.labelField));
    if (!found->isDouble())
        return fail(
            QStringLiteral("%1 %2 is not a number").arg(layout.labelField, describe(*found)));
    return found->toDouble();
}

} // namespace

Result<void> RecordLayout::toSample(const QJsonObject &record, std::vector<float> &features,
                                    std::int64_t &classIndex) const
{
    if (task != ml::TaskKind::Classification)
        return fail(QStringLiteral("a regression layout reads targets, not class labels"));
    // The label first: it is one lookup, and a bad one spares reading the features.
    Result<double> label = labelNumber(*this, record);
    if (!label)
        return label.error();
    const double value = *label;
    if (value != std::floor(value))
        return fail(
            QStringLiteral("%1 %2 is not a whole number").arg(labelField, numberText(value)));
    if (value < 0 || value >= double(classCount))
        return fail(QStringLiteral("%1 %2 outside [0, %3)")
                        .arg(labelField, numberText(value))
                        .arg(classCount));
    if (Result<void> appended = appendFeatures(*this, record, features); !appended)
        return appended;
    classIndex = std::int64_t(value);
    return {};
}

Result<void> RecordLayout::toSample(const QJsonObject &record, std::vector<float> &features,
                                    float &target) const
{
    if (task != ml::TaskKind::Regression)
        return fail(QStringLiteral("a classification layout reads class labels, not targets"));
    Result<double> label = labelNumber(*this, record);
    if (!label)
        return label.error();
    const float value = static_cast<float>(*label);
    if (!std::isfinite(value))
        return fail(QStringLiteral("%1 %2 is out of range").arg(labelField, numberText(*label)));
    if (Result<void> appended = appendFeatures(*this, record, features); !appended)
        return appended;
    target = value;
    return {};
}

Result<QString> RecordLayout::idOf(const QJsonObject &record) const
{
    if (idField.isEmpty())
        return QString();
    const auto found = record.constFind(idField);
    if (found == record.constEnd() || found->isNull())
        return QString();
    if (found->isString()) {
        QString id = found->toString();
        if (id.contains(QLatin1Char('\n')) || id.contains(QLatin1Char('\r')))
            return fail(QStringLiteral("%1 %2 holds a line break").arg(idField, describe(*found)));
        return id;
    }
    if (found->isDouble()) {
        // toInteger() is exact for integers Qt read as such (all of 64 bits, where a double
        // would round ids beyond 2^53), and for doubles with an integral value.
        constexpr qint64 kNone = std::numeric_limits<qint64>::min();
        const qint64 integer = found->toInteger(kNone);
        if (integer != kNone)
            return QString::number(integer);
    }
    return fail(QStringLiteral("%1 %2 is not a text or an integer").arg(idField, describe(*found)));
}

} // namespace millrace::streams
