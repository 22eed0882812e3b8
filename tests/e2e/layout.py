"""Layout checks shared by the browser journeys."""


def page_width(page) -> tuple[int, int]:
    """The page's content width and its layout viewport's width, once the stylesheet applies.

    Against ``clientWidth``, not ``window.innerWidth``: a phone context (``is_mobile``) widens
    the latter to the content when the page overflows, and the check could never fail.
    """
    page.wait_for_load_state("load")  # a click returns when the next page starts loading
    return tuple(page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))


def no_horizontal_scroll(page) -> bool:
    content, viewport = page_width(page)
    return content <= viewport + 1  # sub-pixel rounding
