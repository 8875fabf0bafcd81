#pragma once

#include <QSortFilterProxyModel>

namespace millrace::ui {

/// Sorts a RunTableModel by any column, on the values it holds in memory (its SortRole): numbers
/// by value, times by time, texts case-insensitively with numbers inside them by value (so params
/// like "0.01" and "0.1" sort as numbers). NaN metrics come after all numbers and missing values
/// last, whichever the direction.
class RunSortModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit RunSortModel(QObject *parent = nullptr);

    /// Whether `a` sorts before `b` by the rules above, for a sort in `order` (which only decides
    /// where NaN and missing values go). Shared with views that sort other rows the same way.
    static bool lessThanValues(const QVariant &a, const QVariant &b, Qt::SortOrder order);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};

} // namespace millrace::ui
