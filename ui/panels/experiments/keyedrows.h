#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QSet>

#include <algorithm>
#include <functional>
#include <utility>

namespace millrace::ui {

/// What syncKeyedRows() tells its model, so the model can announce each change to its views.
/// The callbacks wrap the model's protected begin/end functions.
struct KeyedRowsNotifier
{
    std::function<void(int first, int last)> beginRemove;
    std::function<void()> endRemove;
    std::function<void(int first, int last)> beginInsert;
    std::function<void()> endInsert;
    /// Moves row `from` up to row `to` (`to` < `from`).
    std::function<void(int from, int to)> beginMove;
    std::function<void()> endMove;
    /// Row `row` kept its key but its content changed.
    std::function<void(int row)> changed;
    /// Optional: a reset of the whole model. Given, a reload that replaces most of many rows
    /// (another experiment, a narrowing search) is one reset instead of thousands of steps,
    /// each of which every proxy and view above the model handles on its own.
    std::function<void()> beginReset = {};
    std::function<void()> endReset = {};
};

/// Fewer rows than this changing go through step by step even where a reset is possible.
inline constexpr int kKeyedRowsResetThreshold = 256;

/// Turns `rows` into `incoming` in place with the smallest set of removals, moves, insertions and
/// in-place updates, so views keep their selection, current row and scroll position across a
/// reload. Rows are matched by `keyOf`; keys must be unique in each list. `same(a, b)` says
/// whether a row that kept its key needs no update. `keyOf` must return a value type (a QString,
/// not a QStringBuilder expression). After a reset, returns the rows replaced, for the caller to
/// let go of where it suits it; otherwise an empty list.
template <typename T, typename KeyOf, typename Same>
QList<T> syncKeyedRows(QList<T> &rows, const QList<T> &incoming, KeyOf keyOf, Same same,
                       const KeyedRowsNotifier &notify)
{
    using Key = std::decay_t<decltype(keyOf(incoming.front()))>;
    QSet<Key> incomingKeys;
    incomingKeys.reserve(incoming.size());
    for (const T &item : incoming)
        incomingKeys.insert(keyOf(item));

    if (notify.beginReset) {
        qsizetype kept = 0;
        for (const T &item : std::as_const(rows))
            kept += incomingKeys.contains(keyOf(item)) ? 1 : 0;
        const qsizetype replaced = (rows.size() - kept) + (incoming.size() - kept);
        if (replaced >= kKeyedRowsResetThreshold
            && kept * 2 < std::max(rows.size(), incoming.size())) {
            notify.beginReset();
            QList<T> replaced = std::exchange(rows, incoming);
            notify.endReset();
            return replaced;
        }
    }

    // Removals first, bottom up, a contiguous block at a time.
    for (int last = int(rows.size()) - 1; last >= 0;) {
        if (incomingKeys.contains(keyOf(rows.at(last)))) {
            --last;
            continue;
        }
        int first = last;
        while (first > 0 && !incomingKeys.contains(keyOf(rows.at(first - 1))))
            --first;
        notify.beginRemove(first, last);
        rows.remove(first, last - first + 1);
        notify.endRemove();
        last = first - 1;
    }

    // What is left keeps its order relative to `incoming` unless something was renamed or
    // re-sorted; walk `incoming` and bring each row into place.
    QSet<Key> present;
    present.reserve(rows.size());
    for (const T &item : std::as_const(rows))
        present.insert(keyOf(item));
    for (int i = 0; i < int(incoming.size());) {
        const Key key = keyOf(incoming.at(i));
        if (!present.contains(key)) {
            // A block of new rows goes in with one insertion.
            int end = i + 1;
            while (end < int(incoming.size()) && !present.contains(keyOf(incoming.at(end))))
                ++end;
            notify.beginInsert(i, end - 1);
            for (int k = i; k < end; ++k)
                rows.insert(k, incoming.at(k));
            notify.endInsert();
            i = end;
            continue;
        }
        if (keyOf(rows.at(i)) != key) {
            int from = i + 1;
            while (keyOf(rows.at(from)) != key)
                ++from;
            notify.beginMove(from, i);
            rows.move(from, i);
            notify.endMove();
        }
        if (!same(rows.at(i), incoming.at(i))) {
            rows[i] = incoming.at(i);
            notify.changed(i);
        }
        ++i;
    }
    return {};
}

/// A table model whose rows are keyed values kept in a QList; syncRows() reloads them with
/// syncKeyedRows(), announcing each change through the model's own begin/end functions.
class KeyedTableModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

protected:
    /// Returns the rows a reset replaced (see syncKeyedRows()).
    template <typename T, typename KeyOf, typename Same>
    QList<T> syncRows(QList<T> &rows, const QList<T> &incoming, KeyOf keyOf, Same same)
    {
        const QModelIndex root;
        return syncKeyedRows(
            rows, incoming, keyOf, same,
            KeyedRowsNotifier{
                [&](int first, int last) { beginRemoveRows(root, first, last); },
                [&] { endRemoveRows(); },
                [&](int first, int last) { beginInsertRows(root, first, last); },
                [&] { endInsertRows(); },
                [&](int from, int to) { beginMoveRows(root, from, from, root, to); },
                [&] { endMoveRows(); },
                [&](int row) { Q_EMIT dataChanged(index(row, 0), index(row, columnCount() - 1)); },
                [&] { beginResetModel(); },
                [&] { endResetModel(); },
            });
    }
};

} // namespace millrace::ui
