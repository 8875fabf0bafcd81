#pragma once

#include <QSortFilterProxyModel>

namespace millrace::ui {

/// The topic tree as the Streams panel shows it: internal topics (__consumer_offsets, ...) only
/// when asked for, topics whose name contains the filter text (with all their partitions), and
/// columns sorted by number rather than by their text.
class TopicFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit TopicFilterModel(QObject *parent = nullptr);

    /// Shows internal topics too.
    void setShowInternal(bool show);
    bool showInternal() const { return m_showInternal; }
    /// Shows the topics whose name contains `text` (case-insensitive); all when empty.
    void setNameFilter(const QString &text);
    QString nameFilter() const { return m_nameFilter; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    bool m_showInternal = false;
    QString m_nameFilter;
};

} // namespace millrace::ui
