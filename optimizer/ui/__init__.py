"""The planner in the browser (`chanopt ui`): a Shiny app over one scenario file.

`state` turns the page's inputs into a what-if of the file (no Shiny), `views` renders what
the page shows from the plan's records, `app` is the Shiny app, `serve` starts it (loopback
by default, a token otherwise). Shiny is the `chanopt[ui]` extra: only `app` and `serve`
import it.
"""
