#include "ui/panels/experiments/runsortmodel.h"

#include "ui/panels/experiments/runtablemodel.h"

#include <QCollator>

#include <cmath>

namespace millrace::ui {

namespace {

// Where a value goes before comparing values at all: present values, then NaN, then nothing.
int rank(const QVariant &value)
{
    if (!value.isValid())
        return 2;
    if (value.typeId() == QMetaType::Double && std::isnan(value.toDouble()))
        return 1;
    return 0;
}

// A text that is a plain number (a param such as "0.01"), as that number.
std::optional<double> asNumber(const QVariant &value)
{
    bool ok = false;
    const double number = value.toString().trimmed().toDouble(&ok);
    if (!ok || std::isnan(number))
        return std::nullopt;
    return number;
}

} // namespace

RunSortModel::RunSortModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunTableModel::SortRole);
    setDynamicSortFilter(true);
}

bool RunSortModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    return lessThanValues(left.data(sortRole()), right.data(sortRole()), sortOrder());
}

bool RunSortModel::lessThanValues(const QVariant &a, const QVariant &b, Qt::SortOrder order)
{
    const int rankA = rank(a);
    const int rankB = rank(b);
    if (rankA != rankB || rankA != 0) {
        // Descending order asks lessThan(b, a); turning the rank order around there keeps NaN and
        // missing values at the bottom in both directions. Equal ranks keep their order.
        return order == Qt::AscendingOrder ? rankA < rankB : rankA > rankB;
    }
    const int typeA = a.typeId();
    const int typeB = b.typeId();
    if (typeA == QMetaType::Double || typeA == QMetaType::LongLong || typeB == QMetaType::Double
        || typeB == QMetaType::LongLong)
        return a.toDouble() < b.toDouble();
    const std::optional<double> numberA = asNumber(a);
    const std::optional<double> numberB = asNumber(b);
    if (numberA && numberB && *numberA != *numberB)
        return *numberA < *numberB;
    // Numbers before words in a column that mixes them.
    if (numberA.has_value() != numberB.has_value())
        return numberA.has_value();
    static thread_local QCollator collator = [] {
        QCollator c;
        c.setCaseSensitivity(Qt::CaseInsensitive);
        c.setNumericMode(true);
        return c;
    }();
    return collator.compare(a.toString(), b.toString()) < 0;
}

} // namespace millrace::ui
