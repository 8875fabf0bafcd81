#pragma once

#include <QList>
#include <QSortFilterProxyModel>

#include <optional>

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
    ~RunSortModel() override;

    /// Sorts `sourceModel`; also follows its changes to keep the sort keys of its rows current.
    void setSourceModel(QAbstractItemModel *sourceModel) override;

    /// Whether `a` sorts before `b` by the rules above, for a sort in `order` (which only decides
    /// where NaN and missing values go). Shared with views that sort other rows the same way.
    static bool lessThanValues(const QVariant &a, const QVariant &b, Qt::SortOrder order);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    /// A source row's value in the sorted column, ready to compare.
    struct SortKey
    {
        int rank = 2;                     ///< 0 a value, 1 NaN, 2 no value
        bool typed = false;               ///< a number or a time, compared as a number
        double number = 0;                ///< the value as a number (QVariant::toDouble())
        std::optional<double> textNumber; ///< a text that reads as a plain number, as one
        QString string;                   ///< the value as text
        int textOrder = -1; ///< where `string` collates among the column's texts; -1: unknown
    };

    SortKey makeKey(int sourceRow, int column) const;
    static SortKey keyFromValue(const QVariant &value);
    static bool keyLess(const SortKey &a, const SortKey &b, Qt::SortOrder order);
    const SortKey &keyOf(const QModelIndex &sourceIndex) const;
    void orderTexts() const;
    void dropKeys();
    void insertKeys(int first, int last);
    void removeKeys(int first, int last);
    void moveKeys(int first, int last, int destination);
    void updateKeys(const QModelIndex &topLeft, const QModelIndex &bottomRight);

    // The keys of the source rows in column m_keysColumn (-1: none made yet), made when a sort
    // first compares and kept in step with the source's row changes.
    mutable QList<SortKey> m_keys;
    mutable int m_keysColumn = -1;
    QList<QMetaObject::Connection> m_sourceConnections;
};

} // namespace millrace::ui
