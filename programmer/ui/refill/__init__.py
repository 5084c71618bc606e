"""The refill wizard: one page per step (two for the volumes), each showing its screen model from session.refill.

- `wizard`: `RefillWizard`, the dialog: progress list, pages, Back / Next / Abandon.
- `common`: what every page is built from (a page, a message line, a number field, an acknowledgement box).
- `label_page`, `port_page`, `volume_pages`, `dose_page`, `review_pages`: the steps' pages.
- `port_drawing`: the pump seen from above, to place the needle.
"""
