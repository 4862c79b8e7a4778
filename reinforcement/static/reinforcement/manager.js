// The heat map is an ARIA grid: one Tab stop, arrow keys move between cells
// (roving tabindex), Home/End go to the row's ends, Ctrl+Home/End to the
// grid's corners. Without this file every cell is still named and hoverable.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[role=grid]").forEach(function (grid) {
    var rows = Array.prototype.map.call(grid.querySelectorAll("[role=row]"), function (row) {
      return Array.prototype.slice.call(row.querySelectorAll(".gridnav"));
    }).filter(function (cells) { return cells.length; });
    if (!rows.length) return;
    function move(from, to) {
      from.setAttribute("tabindex", "-1");
      to.setAttribute("tabindex", "0");
      to.focus();
    }
    grid.addEventListener("keydown", function (event) {
      var r = -1, c = -1;
      rows.forEach(function (cells, i) {
        var j = cells.indexOf(event.target);
        if (j >= 0) { r = i; c = j; }
      });
      if (r < 0) return;
      var last = rows.length - 1, nr = r, nc = c;
      switch (event.key) {
        case "ArrowRight": nc = c + 1; break;
        case "ArrowLeft": nc = c - 1; break;
        case "ArrowDown": nr = r + 1; break;
        case "ArrowUp": nr = r - 1; break;
        case "Home": nc = 0; if (event.ctrlKey) nr = 0; break;
        case "End": nc = rows[r].length - 1; if (event.ctrlKey) { nr = last; nc = rows[last].length - 1; } break;
        default: return;
      }
      event.preventDefault();
      nr = Math.max(0, Math.min(last, nr));
      nc = Math.max(0, Math.min(rows[nr].length - 1, nc));
      move(event.target, rows[nr][nc]);
    });
  });
});
