"""pilotsim: try a public-service reform on simulated residents before real ones."""

__version__ = "0.1.0"


def _arm(*, _root_: object) -> str:
    """``${pilotsim.arm:}``: the default arm label (see :func:`pilotsim.spec.arm_label`)."""
    from pilotsim.spec import arm_label

    get = getattr(_root_, "get", lambda _k: None)
    return arm_label(get("reform"), get("pilot"))


def _district_files(path: str, part: str, *, _root_: object) -> object:
    """``${pilotsim.district_files:PATH,PART}``: a city read from files (city=from_files)."""
    from pilotsim.spec.district_files import city_part

    return city_part(path, part, _root_=_root_)


def _service_files(path: str, part: str, *, _root_: object) -> object:
    """``${pilotsim.service_files:PATH,PART}``: a catalogue from files (services=from_files)."""
    from pilotsim.spec.service_files import services_part

    return services_part(path, part, _root_=_root_)


def _folder_name(label: object) -> str:
    """``${pilotsim.folder:${arm}}``: the label, refused unless it is one safe folder name.

    Hydra creates the run folder from ``hydra.run.dir`` before pilotsim sees the config; an
    arm like ``../../x`` must stop there, not after Hydra has written outside ``results/``.
    """
    from pilotsim.spec import SAFE_LABEL, is_safe_label
    from pilotsim.spec.schema import SpecError

    if not is_safe_label(str(label)):
        raise SpecError("arm", label, SAFE_LABEL)
    return str(label)


def _worlds(*, _root_: object) -> str:
    """``${pilotsim.worlds:}``: ``range(N)`` over the worlds of the ``uncertainty`` design."""
    from omegaconf import OmegaConf

    from pilotsim.spec.uncertainty import world_range

    section = getattr(_root_, "get", lambda _k: None)("uncertainty")
    if section is not None and not isinstance(section, dict):
        section = OmegaConf.to_container(section, resolve=True)
    return world_range(section)


def _register_resolvers() -> None:
    # The config tree's default ``arm`` label uses this resolver; register it whenever
    # pilotsim is imported, so any way of composing the config (CLI, API, Hydra directly
    # after ``import pilotsim``) resolves it.
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("pilotsim.arm"):
        OmegaConf.register_new_resolver("pilotsim.arm", _arm)
    if not OmegaConf.has_resolver("pilotsim.district_files"):
        OmegaConf.register_new_resolver("pilotsim.district_files", _district_files)
    if not OmegaConf.has_resolver("pilotsim.service_files"):
        OmegaConf.register_new_resolver("pilotsim.service_files", _service_files)
    if not OmegaConf.has_resolver("pilotsim.folder"):
        OmegaConf.register_new_resolver("pilotsim.folder", _folder_name)
    if not OmegaConf.has_resolver("pilotsim.worlds"):
        OmegaConf.register_new_resolver("pilotsim.worlds", _worlds)


_register_resolvers()
