pub mod smith;
