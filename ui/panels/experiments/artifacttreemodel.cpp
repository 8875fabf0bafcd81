#include "ui/panels/experiments/artifacttreemodel.h"

#include <QCollator>
#include <QHash>

#include <algorithm>

namespace millrace::ui {

ArtifactTreeModel::ArtifactTreeModel(QObject *parent)
    : QAbstractItemModel(parent), m_root(std::make_unique<Node>())
{
    m_root->entry.isDir = true;
}

ArtifactTreeModel::~ArtifactTreeModel() = default;

void ArtifactTreeModel::clear()
{
    setListing({});
}

void ArtifactTreeModel::setListing(const ArtifactListing &listing)
{
    if (listing == m_listing)
        return;
    beginResetModel();
    m_listing = listing;
    m_root = std::make_unique<Node>();
    m_root->entry.isDir = true;
    m_fileCount = 0;

    QHash<QString, Node *> folders;
    folders.insert(QString(), m_root.get());
    // Finds or makes the folder at `path`: a truncated listing may hold a file whose folder
    // entry was cut off.
    const auto folderAt = [&folders](const QString &path, const auto &self) -> Node * {
        if (Node *found = folders.value(path))
            return found;
        const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
        Node *parent = self(slash < 0 ? QString() : path.left(slash), self);
        auto node = std::make_unique<Node>();
        node->entry = {path, 0, true};
        node->name = path.mid(slash + 1);
        node->parent = parent;
        Node *raw = node.get();
        parent->children.push_back(std::move(node));
        folders.insert(path, raw);
        return raw;
    };
    for (const ArtifactEntry &entry : listing.entries) {
        if (entry.isDir) {
            folderAt(entry.path, folderAt)->entry = entry;
            continue;
        }
        const qsizetype slash = entry.path.lastIndexOf(QLatin1Char('/'));
        Node *parent = folderAt(slash < 0 ? QString() : entry.path.left(slash), folderAt);
        auto node = std::make_unique<Node>();
        node->entry = entry;
        node->name = entry.path.mid(slash + 1);
        node->parent = parent;
        parent->children.push_back(std::move(node));
        ++m_fileCount;
    }

    // Folders first, then names as a person sorts them ("epoch-2" before "epoch-10").
    // The C locale's collator ignores numeric mode: sort as English does there.
    QCollator collator(QLocale().language() == QLocale::C ? QLocale(QLocale::English) : QLocale());
    collator.setNumericMode(true);
    collator.setCaseSensitivity(Qt::CaseInsensitive);
    const auto sortChildren = [&collator](Node *node, const auto &self) -> void {
        std::sort(node->children.begin(), node->children.end(),
                  [&collator](const std::unique_ptr<Node> &a, const std::unique_ptr<Node> &b) {
                      if (a->entry.isDir != b->entry.isDir)
                          return a->entry.isDir;
                      return collator.compare(a->name, b->name) < 0;
                  });
        for (int row = 0; row < int(node->children.size()); ++row) {
            node->children[row]->row = row;
            self(node->children[row].get(), self);
        }
    };
    sortChildren(m_root.get(), sortChildren);
    endResetModel();
}

QModelIndex ArtifactTreeModel::indexOfPath(const QString &path) const
{
    if (path.isEmpty())
        return {};
    const Node *node = m_root.get();
    for (const QString &part : path.split(QLatin1Char('/'))) {
        const auto it = std::find_if(node->children.cbegin(), node->children.cend(),
                                     [&part](const auto &child) { return child->name == part; });
        if (it == node->children.cend())
            return {};
        node = it->get();
    }
    return createIndex(node->row, NameColumn, node);
}

void ArtifactTreeModel::setIcons(const QIcon &folder, const QIcon &file)
{
    m_folderIcon = folder;
    m_fileIcon = file;
    const auto announce = [this](const QModelIndex &parent, const auto &self) -> void {
        const int rows = rowCount(parent);
        if (rows == 0)
            return;
        Q_EMIT dataChanged(index(0, NameColumn, parent), index(rows - 1, NameColumn, parent),
                           {Qt::DecorationRole});
        for (int row = 0; row < rows; ++row)
            self(index(row, NameColumn, parent), self);
    };
    announce(QModelIndex(), announce);
}

ArtifactTreeModel::Node *ArtifactTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex ArtifactTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    return createIndex(row, column, nodeOf(parent)->children.at(row).get());
}

QModelIndex ArtifactTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *parent = nodeOf(child)->parent;
    if (!parent || parent == m_root.get())
        return {};
    return createIndex(parent->row, NameColumn, parent);
}

int ArtifactTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int ArtifactTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ArtifactTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return node->name;
        return artifactSizeText(node->entry.size);
    case Qt::ToolTipRole:
        return node->entry.path;
    case Qt::DecorationRole:
        if (index.column() == NameColumn) {
            const QIcon &icon = node->entry.isDir ? m_folderIcon : m_fileIcon;
            if (!icon.isNull())
                return icon;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case PathRole:
        return node->entry.path;
    case IsDirRole:
        return node->entry.isDir;
    case SizeRole:
        return node->entry.size;
    default:
        return {};
    }
}

QVariant ArtifactTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case SizeColumn:
        return tr("Size");
    default:
        return {};
    }
}

} // namespace millrace::ui
