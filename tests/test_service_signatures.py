"""Services take plain, typed values, never the request (DESIGN.md, "Inside an app"): the web
layer reads the user, the session or the client's address and passes what the service needs
(``checkout.cart_session`` for the requester's cart). mypy checks the annotations; this checks
what it cannot: that no service function takes a request."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def service_modules() -> list[Path]:
    """Every services module or package of the apps, as ``[tool.mypy] files`` names them."""
    found: set[Path] = set()
    for pattern in ("*/services.py", "*/*/services.py", "*/services/**/*.py"):
        found.update(path for path in ROOT.glob(pattern) if not path.relative_to(ROOT).parts[0].startswith("."))
    return sorted(path for path in found if path.relative_to(ROOT).parts[0] not in {"tests", "bench"})


def request_parameters(source: str) -> list[str]:
    """``function(parameter)`` for each parameter of a function in ``source`` that is a request:
    named ``request`` or annotated with a request type."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = node.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            annotation = ast.unparse(argument.annotation) if argument.annotation is not None else ""
            if argument.arg == "request" or "Request" in annotation:
                found.append(f"{node.name}({argument.arg})")
    return found


def test_the_check_finds_a_request_parameter():
    # given functions that take a request, by name or by type
    source = (
        "def a(request, *, x: int) -> None: ...\n"
        "def b(*, req: HttpRequest) -> None: ...\n"
        "def c(*, user: User, ip: str) -> None: ...\n"
    )
    # when / then
    assert request_parameters(source) == ["a(request)", "b(req)"]


def test_no_service_takes_the_request():
    # given every services module of the apps
    modules = service_modules()
    assert ROOT / "checkout" / "services" / "carts.py" in modules
    assert ROOT / "shop" / "notifications" / "services.py" in modules
    # when their functions are read
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in modules
        if (found := request_parameters(path.read_text(encoding="utf-8")))
    }
    # then none takes a request
    assert offenders == {}
