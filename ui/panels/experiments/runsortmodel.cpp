#include "ui/panels/experiments/runsortmodel.h"

#include "ui/panels/experiments/runtablemodel.h"

#include <QCollator>
#include <QHash>

#include <algorithm>
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

const QCollator &textCollator()
{
    static thread_local QCollator collator = [] {
        QCollator c;
        c.setCaseSensitivity(Qt::CaseInsensitive);
        c.setNumericMode(true);
        return c;
    }();
    return collator;
}

} // namespace

RunSortModel::RunSortModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunTableModel::SortRole);
    setDynamicSortFilter(true);
    connect(this, &QSortFilterProxyModel::sortRoleChanged, this, &RunSortModel::dropKeys);
}

RunSortModel::~RunSortModel() = default;

void RunSortModel::setSourceModel(QAbstractItemModel *model)
{
    for (const QMetaObject::Connection &connection : std::as_const(m_sourceConnections))
        disconnect(connection);
    m_sourceConnections.clear();
    dropKeys();
    if (model) {
        // Sorting 10,000 runs compares about 140,000 pairs; reading and converting both values
        // of each pair through data() made a sort take hundreds of ms. The keys are made once per
        // column and kept in step with the source. These connections come before those of the
        // base class, so Qt calls them first: the keys are current when it re-sorts after a
        // change.
        using Model = QAbstractItemModel;
        m_sourceConnections = {
            connect(model, &Model::rowsInserted, this,
                    [this](const QModelIndex &, int first, int last) { insertKeys(first, last); }),
            connect(model, &Model::rowsRemoved, this,
                    [this](const QModelIndex &, int first, int last) { removeKeys(first, last); }),
            connect(model, &Model::rowsMoved, this,
                    [this](const QModelIndex &, int first, int last, const QModelIndex &,
                           int destination) { moveKeys(first, last, destination); }),
            connect(model, &Model::dataChanged, this, &RunSortModel::updateKeys),
            connect(model, &Model::layoutChanged, this, &RunSortModel::dropKeys),
            connect(model, &Model::modelReset, this, &RunSortModel::dropKeys),
            connect(model, &Model::columnsInserted, this, &RunSortModel::dropKeys),
            connect(model, &Model::columnsRemoved, this, &RunSortModel::dropKeys),
            connect(model, &Model::columnsMoved, this, &RunSortModel::dropKeys),
        };
    }
    QSortFilterProxyModel::setSourceModel(model);
}

RunSortModel::SortKey RunSortModel::makeKey(int sourceRow, int column) const
{
    return keyFromValue(sourceModel()->index(sourceRow, column).data(sortRole()));
}

RunSortModel::SortKey RunSortModel::keyFromValue(const QVariant &value)
{
    SortKey key;
    key.rank = rank(value);
    if (key.rank != 0)
        return key;
    key.typed = value.typeId() == QMetaType::Double || value.typeId() == QMetaType::LongLong;
    key.number = value.toDouble();
    if (!key.typed) {
        key.textNumber = asNumber(value);
        key.string = value.toString();
    }
    return key;
}

const RunSortModel::SortKey &RunSortModel::keyOf(const QModelIndex &sourceIndex) const
{
    const int rows = sourceModel()->rowCount();
    if (m_keysColumn != sourceIndex.column() || m_keys.size() != rows) {
        m_keysColumn = sourceIndex.column();
        m_keys.clear();
        m_keys.reserve(rows);
        for (int row = 0; row < rows; ++row)
            m_keys.append(makeKey(row, m_keysColumn));
        orderTexts();
    }
    return m_keys.at(sourceIndex.row());
}

void RunSortModel::orderTexts() const
{
    // Comparing texts with the collator is slow and a sort does it ~14 times per row: collate
    // each distinct text once instead and compare positions. (QCollatorSortKey would be quicker
    // still but ignores case-insensitivity in the C locale.) Texts that collate the same share a
    // position, so the order is exactly the collator's.
    QStringList texts;
    for (const SortKey &key : std::as_const(m_keys)) {
        if (key.rank == 0 && !key.typed)
            texts.append(key.string);
    }
    if (texts.isEmpty())
        return;
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
    const QCollator &collator = textCollator();
    std::stable_sort(texts.begin(), texts.end(), [&collator](const QString &a, const QString &b) {
        return collator.compare(a, b) < 0;
    });
    QHash<QString, int> order;
    order.reserve(texts.size());
    int position = 0;
    for (qsizetype i = 0; i < texts.size(); ++i) {
        if (i > 0 && collator.compare(texts.at(i - 1), texts.at(i)) < 0)
            ++position;
        order.insert(texts.at(i), position);
    }
    for (SortKey &key : m_keys) {
        if (key.rank == 0 && !key.typed)
            key.textOrder = order.value(key.string);
    }
}

void RunSortModel::dropKeys()
{
    m_keys.clear();
    m_keysColumn = -1;
}

void RunSortModel::insertKeys(int first, int last)
{
    if (m_keysColumn < 0)
        return;
    QList<SortKey> inserted;
    inserted.reserve(last - first + 1);
    for (int row = first; row <= last; ++row)
        inserted.append(makeKey(row, m_keysColumn));
    m_keys.insert(first, inserted.size(), SortKey());
    std::move(inserted.begin(), inserted.end(), m_keys.begin() + first);
}

void RunSortModel::removeKeys(int first, int last)
{
    if (m_keysColumn >= 0)
        m_keys.remove(first, last - first + 1);
}

void RunSortModel::moveKeys(int first, int last, int destination)
{
    if (m_keysColumn < 0)
        return;
    // `destination` is the row the moved ones went before, counted before the move.
    const auto begin = m_keys.begin();
    if (destination < first)
        std::rotate(begin + destination, begin + first, begin + last + 1);
    else if (destination > last + 1)
        std::rotate(begin + first, begin + last + 1, begin + destination);
}

void RunSortModel::updateKeys(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (m_keysColumn < topLeft.column() || m_keysColumn > bottomRight.column())
        return;
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row)
        m_keys[row] = makeKey(row, m_keysColumn);
}

bool RunSortModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    return keyLess(keyOf(left), keyOf(right), sortOrder());
}

bool RunSortModel::lessThanValues(const QVariant &a, const QVariant &b, Qt::SortOrder order)
{
    return keyLess(keyFromValue(a), keyFromValue(b), order);
}

bool RunSortModel::keyLess(const SortKey &a, const SortKey &b, Qt::SortOrder order)
{
    if (a.rank != b.rank || a.rank != 0) {
        // Descending order asks lessThan(b, a); turning the rank order around there keeps NaN and
        // missing values at the bottom in both directions. Equal ranks keep their order.
        return order == Qt::AscendingOrder ? a.rank < b.rank : a.rank > b.rank;
    }
    if (a.typed || b.typed)
        return a.number < b.number;
    if (a.textNumber && b.textNumber && *a.textNumber != *b.textNumber)
        return *a.textNumber < *b.textNumber;
    // Numbers before words in a column that mixes them.
    if (a.textNumber.has_value() != b.textNumber.has_value())
        return a.textNumber.has_value();
    if (a.textOrder >= 0 && b.textOrder >= 0)
        return a.textOrder < b.textOrder;
    // A row that came or changed since the column's texts were ordered.
    return textCollator().compare(a.string, b.string) < 0;
}

} // namespace millrace::ui
